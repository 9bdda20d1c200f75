from flask.testing import FlaskClient


def test_landing_page_answers(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr"' in response.get_data(as_text=True)
