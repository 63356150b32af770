from tests.factories import make_patient


def test_dermatologist_sees_patient_list(login_as):
    client, user = login_as("dermatologist")
    make_patient(first_name="Zelda", last_name="Quartz")
    from clinic.extensions import db

    db.session.commit()
    response = client.get("/patients")
    assert response.status_code == 200
    assert "Quartz, Zelda" in response.text
