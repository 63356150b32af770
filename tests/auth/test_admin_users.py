"""Admin user pages: list, invite, change role, deactivate/reactivate, end sessions; clinic-scoped."""

import pytest

from clinic.auth.models import User
from clinic.extensions import db
from tests.auth.helpers import events, is_login_redirect, shown_patients
from tests.factories import PASSWORD, make_clinic, make_user


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_list_shows_role_and_status(app, login_as):
    client, admin = login_as("admin")
    make_user("dermatologist", full_name="Dora Active")
    make_user("aesthetician", full_name="Esme Gone", active=False)
    make_user("aesthetician", full_name="Ivy Invited", password=None)
    make_user("admin", clinic=make_clinic("Elsewhere"), full_name="Other Clinic Admin")
    db.session.commit()
    page = client.get("/admin/users").text
    assert "Dora Active" in page and "Dermatologist" in page
    assert "Esme Gone" in page and "Deactivated" in page
    assert "Ivy Invited" in page and "Invited" in page
    assert "Other Clinic Admin" not in page


def test_user_of_another_clinic_is_not_found(app, login_as):
    client, admin = login_as("admin")
    stranger = make_user("dermatologist", clinic=make_clinic("Elsewhere"))
    db.session.commit()
    assert client.get(f"/admin/users/{stranger.id}").status_code == 404
    for action in ("deactivate", "reactivate", "end-sessions", "resend-invitation"):
        assert client.post(f"/admin/users/{stranger.id}/{action}", data={}).status_code == 404
    assert client.post(f"/admin/users/{stranger.id}/role", data={"role": "admin"}).status_code == 404
    assert _reload(stranger).active
    assert len(events("access.denied", user_id=admin.id)) == 6


def test_invite_refuses_an_existing_address_and_keeps_input(app, login_as, mailbox):
    client, admin = login_as("admin")
    make_user("dermatologist", email="taken@example.com")
    db.session.commit()
    response = client.post(
        "/admin/users/invite",
        data={"full_name": "Second Taken", "email": "TAKEN@example.com", "role": "aesthetician"},
    )
    assert response.status_code == 200
    assert "already exists" in response.text and 'value="Second Taken"' in response.text
    assert mailbox == []


def test_invite_validates_fields(app, login_as, mailbox):
    client, admin = login_as("admin")
    response = client.post("/admin/users/invite", data={"full_name": "", "email": "not-an-address", "role": "boss"})
    assert response.status_code == 200
    assert 'id="full_name-error"' in response.text and 'id="email-error"' in response.text
    assert 'id="role-error"' in response.text
    assert mailbox == []


def test_change_role_is_audited(app, login_as):
    client, admin = login_as("admin")
    user = make_user("aesthetician")
    db.session.commit()
    response = client.post(f"/admin/users/{user.id}/role", data={"role": "dermatologist"})
    assert response.status_code == 302
    assert _reload(user).role == "dermatologist"
    [event] = events("user.role_changed", object_id=str(user.id))
    assert event.detail == "aesthetician -> dermatologist" and event.user_id == admin.id


def test_role_change_takes_effect_on_the_next_request(app, login_as):
    admin_client, admin = login_as("admin")
    client, user = login_as("dermatologist")
    assert client.get("/patients").status_code == 200
    admin_client.post(f"/admin/users/{user.id}/role", data={"role": "admin"})
    assert client.get("/patients").status_code == 403
    assert client.get("/admin/users").status_code == 200


def test_patient_account_keeps_its_role(app, login_as):
    client, admin = login_as("admin")
    patient_user = make_user("patient")
    db.session.commit()
    response = client.post(f"/admin/users/{patient_user.id}/role", data={"role": "dermatologist"})
    assert response.status_code == 400
    assert _reload(patient_user).role == "patient"


def test_admin_cannot_demote_or_deactivate_themselves(app, login_as):
    client, admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "aesthetician"})
    assert response.status_code == 400 and "cannot remove your own admin role" in response.text
    response = client.post(f"/admin/users/{admin.id}/deactivate", data={}, follow_redirects=True)
    assert "cannot deactivate your own account" in response.text
    me = _reload(admin)
    assert me.role == "admin" and me.active
    assert client.get("/admin/users").status_code == 200
    assert events("user.role_changed") == [] and events("user.deactivated") == []


def test_deactivate_then_reactivate(app, login_as):
    admin_client, admin = login_as("admin")
    client, user = login_as("aesthetician")
    response = admin_client.post(f"/admin/users/{user.id}/deactivate", data={}, follow_redirects=True)
    assert "is deactivated; 1 session(s) ended" in response.text
    assert not _reload(user).active
    assert is_login_redirect(client.get("/patients"))
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    admin_client.post(f"/admin/users/{user.id}/reactivate", data={})
    assert _reload(user).active
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert len(events("user.deactivated")) == len(events("user.reactivated")) == 1


def test_resend_invitation_only_before_a_password_is_set(app, login_as, mailbox):
    client, admin = login_as("admin")
    invited = make_user("dermatologist", email="waiting@example.com", password=None)
    db.session.commit()
    client.post(f"/admin/users/{invited.id}/resend-invitation", data={})
    assert len(mailbox) == 1
    response = client.post(f"/admin/users/{admin.id}/resend-invitation", data={}, follow_redirects=True)
    assert "already set a password" in response.text
    assert len(mailbox) == 1


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician", "patient"])
def test_only_admins(app, login_as, role):
    client, user = login_as(role)
    other = make_user("aesthetician")
    db.session.commit()
    assert client.get("/admin/users").status_code == 403
    assert client.post(f"/admin/users/{other.id}/deactivate", data={}).status_code == 403
    assert _reload(other).active


def test_viewing_accounts_is_audited(app, login_as):
    client, admin = login_as("admin")
    patient_user = make_user("patient")
    db.session.commit()
    client.get("/admin/users")
    client.get(f"/admin/users/{patient_user.id}")
    [listed] = events("user.list", user_id=admin.id)  # one event naming each patient shown (issues 15, 10)
    assert shown_patients(listed) == [patient_user.patient_id]
    [view] = events("user.view", user_id=admin.id)
    assert view.patient_id == patient_user.patient_id and view.object_id == str(patient_user.id)
