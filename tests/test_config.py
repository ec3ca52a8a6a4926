"""Settings: safe embedded defaults, and refusals for unsafe production settings."""

from __future__ import annotations

import pytest

from improvement_tracker.config import ConfigError, load_config, normalise_database_url

GOOD_KEY = "k" * 40


def test_embedded_defaults_keep_everything_under_instance(tmp_path):
    config = load_config(tmp_path, {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'improvement_tracker.sqlite3'}"
    assert config["UPLOAD_DIR"] == str(tmp_path / "uploads")
    assert len(config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    # The generated key is kept, so sessions survive a restart.
    assert load_config(tmp_path, {})["SECRET_KEY"] == config["SECRET_KEY"]
    assert config["SESSION_COOKIE_SECURE"] is True and config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_cookies_are_not_secure_only_in_debug(tmp_path):
    assert load_config(tmp_path, {"FLASK_DEBUG": "1"})["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY, DATABASE_URL"),
        ({"SECRET_KEY": GOOD_KEY}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://db/x"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short", "DATABASE_URL": "postgresql://db/x"}, "at least 32 characters"),
        ({"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "sqlite:///x.db"}, "PostgreSQL"),
        ({"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgresql://db/x", "SESSION_COOKIE_SECURE": "0"},
         "SESSION_COOKIE_SECURE"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, {"APP_ENV": "production", **env})
    assert not (tmp_path / "secret_key").exists()


def test_production_with_what_it_needs(tmp_path):
    config = load_config(tmp_path, {"APP_ENV": "production", "SECRET_KEY": GOOD_KEY,
                                    "DATABASE_URL": "postgres://u@db/x"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    assert config["HSTS_ENABLED"] is True


def test_bad_numbers_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="MAX_UPLOAD_MB"):
        load_config(tmp_path, {"MAX_UPLOAD_MB": "lots"})


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="APP_ENV"):
        load_config(tmp_path, {"APP_ENV": "staging"})


def test_database_url_spellings():
    assert normalise_database_url("postgresql://a/b") == "postgresql+psycopg://a/b"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"
