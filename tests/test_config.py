"""Settings: defaults, environment variables, clear errors, production refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrowalk.config import DEFAULT_SECRET_KEY, load_settings
from retrowalk.errors import InputError


def test_the_default_database_is_sqlite_in_the_user_data_folder() -> None:
    settings = load_settings({"HOME": "/home/ann"})
    assert settings.database_url == "sqlite:////home/ann/.local/share/retrowalk/retrowalk.sqlite3"
    assert settings.is_sqlite


def test_xdg_data_home_and_the_data_dir_variable_move_the_database() -> None:
    assert load_settings({"XDG_DATA_HOME": "/x"}).data_dir == Path("/x/retrowalk")
    settings = load_settings({"RETROWALK_DATA_DIR": "/srv/rw"})
    assert settings.database_url == "sqlite:////srv/rw/retrowalk.sqlite3"


def test_a_database_url_selects_postgresql() -> None:
    url = "postgresql+psycopg://rw:pw@db/clinic"
    assert load_settings({"RETROWALK_DATABASE_URL": url}).database_url == url


def test_an_unusable_number_names_the_variable() -> None:
    with pytest.raises(InputError) as caught:
        load_settings({"RETROWALK_SESSION_TTL_HOURS": "twelve"})
    assert caught.value.field == "RETROWALK_SESSION_TTL_HOURS"


def test_an_unknown_database_kind_is_refused() -> None:
    with pytest.raises(InputError, match="postgresql"):
        load_settings({"RETROWALK_DATABASE_URL": "mysql://x"})


def test_production_refuses_the_default_secret_key() -> None:
    with pytest.raises(InputError) as caught:
        load_settings({"RETROWALK_ENV": "production"})
    assert caught.value.field == "RETROWALK_SECRET_KEY"
    assert DEFAULT_SECRET_KEY not in str(caught.value)


def test_production_refuses_a_short_secret_and_fast_hashing() -> None:
    with pytest.raises(InputError, match="32 characters"):
        load_settings({"RETROWALK_ENV": "production", "RETROWALK_SECRET_KEY": "short"})
    with pytest.raises(InputError, match="tests only"):
        load_settings(
            {
                "RETROWALK_ENV": "production",
                "RETROWALK_SECRET_KEY": "k" * 40,
                "RETROWALK_FAST_PASSWORD_HASHING": "true",
            }
        )


def test_production_always_uses_secure_cookies() -> None:
    settings = load_settings(
        {
            "RETROWALK_ENV": "production",
            "RETROWALK_SECRET_KEY": "k" * 40,
            "RETROWALK_COOKIE_SECURE": "false",
        }
    )
    assert settings.cookie_secure


def test_a_bad_boolean_is_explained() -> None:
    with pytest.raises(InputError, match="true or false"):
        load_settings({"RETROWALK_COOKIE_SECURE": "maybe"})


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://x@127.0.0.1:notaport/db", "postgresql+nodriver://x@h/db"]
)
def test_a_database_url_sqlalchemy_cannot_use_is_named(url: str) -> None:
    with pytest.raises(InputError, match="not a usable database URL") as caught:
        load_settings({"RETROWALK_DATABASE_URL": url})
    assert caught.value.field == "RETROWALK_DATABASE_URL"
