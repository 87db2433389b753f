"""My details: units per person, values entered and shown in those units, stored metric."""

from __future__ import annotations

import re

import pytest

from retrowalk.web.pages.profile import range_problem
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


@pytest.mark.parametrize("units", ["metric", "imperial"])
@pytest.mark.parametrize("field", ["height", "weight", "sensor_height"])
def test_an_out_of_range_measure_says_the_limits_in_my_units_and_they_are_accepted(
    patient_client: PatientClient, units: str, field: str
) -> None:
    client = patient_client()
    base = {"csrf_token": csrf(client), "units": units, "time_zone": "Europe/Berlin"}
    refused = client.post("/app/profile", data={**base, field: "99999"})
    assert refused.status_code == 422
    message = range_problem(field, units)
    assert f'id="{field}-error">{message}<' in refused.text
    assert ("cm" in message or "kg" in message) == (units == "metric")
    low, high = re.findall(r"from ([\d.]+) to ([\d.]+)", message)[0]
    for limit in (low, high):
        saved = client.post("/app/profile", data={**base, field: limit}, follow_redirects=False)
        assert saved.status_code == 303, (field, units, limit, saved.text[-300:])


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("time_zone", "", "Please fill this in."),
        ("birth_year", "1980.5", "Enter a whole year, like 1975."),
    ],
)
def test_an_empty_time_zone_or_a_fractional_year_is_refused_and_nothing_changes(
    patient_client: PatientClient, field: str, value: str, problem: str
) -> None:
    client = patient_client()
    form = {"csrf_token": csrf(client), "units": "metric", "time_zone": "Europe/Berlin"}
    assert client.post("/app/profile", data=form, follow_redirects=False).status_code == 303
    refused = client.post("/app/profile", data={**form, field: value})
    assert refused.status_code == 422
    assert f'id="{field}-error">{problem}<' in refused.text
    me = client.get("/api/v1/me").json()
    stored = client.get(f"/api/v1/patients/{me['id']}/profile").json()
    assert stored["time_zone"] == "Europe/Berlin"
    assert stored["birth_year"] is None


def test_my_usual_session_time_is_saved_and_shown(patient_client: PatientClient) -> None:
    client = patient_client()
    assert 'id="session_time" name="session_time" value="18:00"' in client.get("/app/profile").text
    response = client.post(
        "/app/profile",
        data={
            "csrf_token": csrf(client),
            "units": "metric",
            "time_zone": "Europe/Berlin",
            "session_time": "07:30",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    me = client.get("/api/v1/me").json()
    stored = client.get(f"/api/v1/patients/{me['id']}/profile").json()
    assert stored["data"]["session_time"] == "07:30:00"
    assert 'value="07:30"' in client.get("/app/profile").text


def test_an_impossible_session_time_is_refused_with_its_field(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    response = client.post(
        "/app/profile",
        data={
            "csrf_token": csrf(client),
            "units": "metric",
            "time_zone": "UTC",
            "session_time": "25:00",
        },
    )
    assert response.status_code == 422
    assert 'id="session_time-error"' in response.text
