import pytest

from clinic.auth.passwords import hash_password, password_problem, verify_password
from clinic.auth.services import AccountError, set_password
from clinic.extensions import db
from tests.factories import make_user


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short12", "at least 8"),
        ("x" * 129, "at most 128"),
        ("password1", "too common"),
        ("PassWord1", "too common"),
    ],
)
def test_refused_passwords(app, password, problem):
    assert problem in password_problem(password)


def test_email_as_password_is_refused(app):
    assert "e-mail" in password_problem("Kim.Lee@example.test", email="kim.lee@example.test")


def test_128_characters_are_accepted_and_all_of_them_count(app):
    long_password = "horse-battery-" * 9 + "ab"
    assert len(long_password) == 128
    assert password_problem(long_password) is None
    hashed = hash_password(long_password)
    assert verify_password(hashed, long_password)
    assert not verify_password(hashed, long_password[:-1] + "c")


def test_no_truncation_at_100_characters(app):
    base = "q7-" * 33
    first, second = base + "a", base + "b"
    assert len(first) == 100
    assert not verify_password(hash_password(first), second)


def test_hash_is_argon2id_and_salted(app):
    one, two = hash_password("same password here"), hash_password("same password here")
    assert one.startswith("$argon2id$") and one != two


def test_set_password_refuses_bad_ones(app):
    user = make_user("aesthetician")
    with pytest.raises(AccountError):
        set_password(user, "12345678")


def test_change_password_form_shows_rule_beside_the_field(app, login_as):
    client, user = login_as("dermatologist")
    response = client.post(
        "/account/password",
        data={
            "current_password": "correct horse battery staple",
            "password": "password1",
            "confirm": "password1",
        },
    )
    assert response.status_code == 200
    assert 'id="password-error"' in response.text and "too common" in response.text
    db.session.refresh(user)
    assert verify_password(user.password_hash, "correct horse battery staple")
