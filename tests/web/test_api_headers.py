"""Every JSON API response says: do not cache, do not sniff."""

from __future__ import annotations

from tests.db_fixtures import ClientFor


def test_health_data_from_the_api_is_never_cached(client_for: ClientFor) -> None:
    patient = client_for("patient")
    patient_id = patient.user.id  # type: ignore[attr-defined]
    for path in ("/api/v1/me", f"/api/v1/patients/{patient_id}/sessions", "/api/v1/nowhere"):
        response = patient.get(path)
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["x-content-type-options"] == "nosniff", path
