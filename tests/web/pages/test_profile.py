"""My details: units per person, values entered and shown in those units, stored metric."""

from __future__ import annotations

import pytest

from tests.web.pages.conftest import PatientClient, csrf


def test_my_details_is_in_the_patient_navigation(patient_client: PatientClient) -> None:
    page = patient_client().get("/app/profile").text
    assert '<a href="/app/profile" aria-current="page">My details</a>' in page


def test_imperial_values_are_stored_in_metres_and_kilograms(patient_client: PatientClient) -> None:
    client = patient_client()
    response = client.post(
        "/app/profile",
        data={
            "csrf_token": csrf(client),
            "units": "imperial",
            "time_zone": "America/Chicago",
            "height": "70",
            "weight": "154",
            "birth_year": "1970",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/app/profile?done=profile"
    me = client.get("/api/v1/me").json()
    stored = client.get(f"/api/v1/patients/{me['id']}/profile").json()
    assert stored["height_m"] == pytest.approx(1.778)
    assert stored["weight_kg"] == pytest.approx(69.85, abs=0.01)
    page = client.get("/app/profile").text
    assert 'value="70.0"' in page
    assert 'value="154"' in page
    assert "Height in inches" in page


def test_an_unknown_time_zone_is_refused_with_its_field(patient_client: PatientClient) -> None:
    client = patient_client()
    response = client.post(
        "/app/profile",
        data={"csrf_token": csrf(client), "units": "metric", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 422
    assert 'id="time_zone-error"' in response.text


def test_a_sensor_above_the_head_is_refused(patient_client: PatientClient) -> None:
    client = patient_client()
    response = client.post(
        "/app/profile",
        data={
            "csrf_token": csrf(client),
            "units": "metric",
            "time_zone": "UTC",
            "height": "170",
            "sensor_height": "180",
        },
    )
    assert response.status_code == 422
    assert "sensor_height_m must be below height_m" in response.text
