"""The app factory: what a production app serves and what it does not."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from retrowalk.config import load_settings
from retrowalk.web.app import create_app


def test_a_production_app_serves_the_schema_but_not_the_cdn_docs_page(
    tmp_path: Path, database_url: str
) -> None:
    settings = load_settings(
        {},
        database_url=database_url,
        data_dir=tmp_path,
        environment="production",
        secret_key="x" * 40,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/openapi.json").status_code == 200
        assert client.get("/api/v1/docs").status_code == 404
