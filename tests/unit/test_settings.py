"""The configuration (api/settings.py): each variable, its default, the .env file beneath the
environment, an empty variable as unset, and every bad value refused naming the variable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api.settings import DEFAULT_DATABASE_URL, Settings, SettingsError
from ledger.cache import DEFAULT_CACHE_EVENTS
from ledger.keys import (
    ENV_MASTER_KEY,
    ENV_RETIRED_KEYS,
    ENV_SIGNING_KEY_FILE,
    ENV_SIGNING_KEY_NAME,
    KeyDirectory,
)

TOKEN = "a-random-admin-token-of-32-chars"
MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # base64 of bytes 0..31


def settings(**environ: str) -> Settings:
    return Settings.from_env(environ, dotenv=None)


PARSED: list[tuple[str, str, str, Any]] = [
    ("LEDGER_DATABASE_URL", "postgresql://u@h/db", "database_url", "postgresql://u@h/db"),
    ("LEDGER_ADMIN_TOKEN", TOKEN, "admin_token", TOKEN),
    ("LEDGER_KEY_DIR", "/etc/ledger/keys", "key_dir", Path("/etc/ledger/keys")),
    ("LEDGER_POLICY_FILE", "policy.json", "policy_file", Path("policy.json")),
    ("LEDGER_CATALOGUE_FILE", "catalogue.json", "catalogue_file", Path("catalogue.json")),
    ("LEDGER_RETENTION_FILE", "retention.json", "retention_file", Path("retention.json")),
    ("LEDGER_ORIGIN", "ledger.example/log", "origin", "ledger.example/log"),
    ("LEDGER_CHECKPOINT_INTERVAL_SECONDS", "2.5", "checkpoint_interval", timedelta(seconds=2.5)),
    ("LEDGER_TOKEN_LIFETIME_DAYS", "30", "token_lifetime", timedelta(days=30)),
    ("LEDGER_DOCUMENTATION", "require", "documentation", "require"),
    ("LEDGER_LOG_FORMAT", "json", "log_format", "json"),
    ("LEDGER_LOG_FORMAT", " JSON ", "log_format", "json"),
    ("LEDGER_LOG_FORMAT", "Text", "log_format", "text"),
    ("LEDGER_MASTER_KEY", MASTER_KEY, "master_key", MASTER_KEY),
    ("LEDGER_SIGNING_KEY_FILE", "/run/sign.pem", "signing_key_file", Path("/run/sign.pem")),
    ("LEDGER_CHECKPOINT_KEY_NAME", "region-orebro", "checkpoint_key_name", "region-orebro"),
    ("LEDGER_RETIRED_CHECKPOINT_KEYS", "a+1+x,b+2+y", "retired_checkpoint_keys", "a+1+x,b+2+y"),
    ("LEDGER_PG_BIN", "/usr/lib/postgresql/17/bin", "pg_bin", Path("/usr/lib/postgresql/17/bin")),
    ("LEDGER_CACHE_EVENTS", "5000", "cache_events", 5000),
    ("LEDGER_READY_MAX_LAG", "0", "ready_max_lag", 0),
    ("LEDGER_READY_MAX_LAG", "25", "ready_max_lag", 25),
]

DEFAULTS: dict[str, Any] = {
    "database_url": DEFAULT_DATABASE_URL,
    "admin_token": None,
    "key_dir": Path("./var/keys"),
    "policy_file": None,
    "catalogue_file": None,
    "retention_file": None,
    "origin": "consent-ledger.local/log",
    "checkpoint_interval": timedelta(minutes=10),
    "token_lifetime": timedelta(days=365),
    "documentation": "warn",
    "log_format": "text",
    "master_key": None,
    "signing_key_file": None,
    "checkpoint_key_name": "consent-ledger",
    "retired_checkpoint_keys": None,
    "pg_bin": None,
    "cache_events": DEFAULT_CACHE_EVENTS,
    "ready_max_lag": 0,
}

REFUSED: list[tuple[str, str, str]] = [
    ("LEDGER_ADMIN_TOKEN", "too-short", "LEDGER_ADMIN_TOKEN must be a random secret"),
    ("LEDGER_ADMIN_TOKEN", "changeme", "LEDGER_ADMIN_TOKEN must be a random secret"),
    ("LEDGER_ADMIN_TOKEN", "admin", "LEDGER_ADMIN_TOKEN must be a random secret"),
    ("LEDGER_ADMIN_TOKEN", "secret", "LEDGER_ADMIN_TOKEN must be a random secret"),
    ("LEDGER_DOCUMENTATION", "strict", "LEDGER_DOCUMENTATION must be warn or require"),
    ("LEDGER_DOCUMENTATION", "Require", "LEDGER_DOCUMENTATION must be warn or require"),
    ("LEDGER_LOG_FORMAT", "xml", "LEDGER_LOG_FORMAT must be text or json"),
    ("LEDGER_CHECKPOINT_INTERVAL_SECONDS", "ten", "LEDGER_CHECKPOINT_INTERVAL_SECONDS must be"),
    ("LEDGER_CHECKPOINT_INTERVAL_SECONDS", "0", "LEDGER_CHECKPOINT_INTERVAL_SECONDS must be"),
    ("LEDGER_CHECKPOINT_INTERVAL_SECONDS", "nan", "LEDGER_CHECKPOINT_INTERVAL_SECONDS must be"),
    ("LEDGER_TOKEN_LIFETIME_DAYS", "-1", "LEDGER_TOKEN_LIFETIME_DAYS must be"),
    ("LEDGER_TOKEN_LIFETIME_DAYS", "inf", "LEDGER_TOKEN_LIFETIME_DAYS must be"),
    ("LEDGER_TOKEN_LIFETIME_DAYS", "1e10", "LEDGER_TOKEN_LIFETIME_DAYS must be"),  # overflows
    ("LEDGER_MASTER_KEY", "", "LEDGER_MASTER_KEY must not be empty"),
    ("LEDGER_SIGNING_KEY_FILE", "", "LEDGER_SIGNING_KEY_FILE must not be empty"),
    ("LEDGER_CHECKPOINT_KEY_NAME", "", "LEDGER_CHECKPOINT_KEY_NAME must not be empty"),
    ("LEDGER_CACHE_EVENTS", "0", "LEDGER_CACHE_EVENTS must be a whole number"),
    ("LEDGER_CACHE_EVENTS", "many", "LEDGER_CACHE_EVENTS must be a whole number"),
    ("LEDGER_READY_MAX_LAG", "-1", "LEDGER_READY_MAX_LAG must be a whole number"),
    ("LEDGER_READY_MAX_LAG", "some", "LEDGER_READY_MAX_LAG must be a whole number"),
]


@pytest.mark.parametrize(("variable", "value", "field", "expected"), PARSED)
def test_each_variable_is_read_into_its_typed_field(
    variable: str, value: str, field: str, expected: Any
) -> None:
    assert getattr(settings(**{variable: value}), field) == expected


def test_every_field_has_its_default_when_nothing_is_set() -> None:
    read = settings()
    assert {field: getattr(read, field) for field in DEFAULTS} == DEFAULTS
    assert set(DEFAULTS) == set(Settings.model_fields)


def test_every_field_is_read_from_a_variable_named_ledger_something() -> None:
    assert {variable for variable, *_ in PARSED} == {
        field.alias for field in Settings.model_fields.values()
    }


def test_the_env_file_is_read_and_the_environment_overrides_it(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# a comment\n"
        "LEDGER_ORIGIN='from-the-file'\n"
        'LEDGER_DOCUMENTATION="require"\n'
        "LEDGER_LOG_FORMAT=json\n"
        "UNRELATED=ignored\n",
        "utf-8",
    )
    read = Settings.from_env({"LEDGER_LOG_FORMAT": "text"}, dotenv=dotenv)
    assert (read.origin, read.documentation, read.log_format) == (
        "from-the-file",
        "require",
        "text",
    )


def test_a_missing_env_file_or_none_reads_only_the_environment(tmp_path: Path) -> None:
    assert Settings.from_env({}, dotenv=tmp_path / "absent.env") == settings()
    assert Settings.from_env({"LEDGER_ORIGIN": "o"}, dotenv=None).origin == "o"


def test_the_process_environment_is_read_when_no_mapping_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEDGER_ORIGIN", "from-os-environ")
    assert Settings.from_env(dotenv=None).origin == "from-os-environ"


def test_direct_construction_reads_only_its_arguments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LEDGER_ORIGIN", "from-os-environ")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LEDGER_DOCUMENTATION=require\n", "utf-8")
    made = Settings(database_url="sqlite:///:memory:", key_dir=tmp_path)
    assert (made.origin, made.documentation) == ("consent-ledger.local/log", "warn")


# Key material: empty is refused (REFUSED), lest the key directory's key be used unnoticed.
EMPTY_REFUSED = {"LEDGER_MASTER_KEY", "LEDGER_SIGNING_KEY_FILE", "LEDGER_CHECKPOINT_KEY_NAME"}


@pytest.mark.parametrize("variable", sorted({variable for variable, *_ in PARSED} - EMPTY_REFUSED))
def test_an_empty_variable_means_unset(variable: str) -> None:
    assert settings(**{variable: ""}) == settings()


def test_an_empty_variable_in_the_environment_hides_the_env_files_value(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("LEDGER_ORIGIN=from-the-file\nLEDGER_KEY_DIR=/from/the/file\n", "utf-8")
    read = Settings.from_env({"LEDGER_ORIGIN": ""}, dotenv=dotenv)
    assert (read.origin, read.key_dir) == ("consent-ledger.local/log", Path("/from/the/file"))


def test_an_empty_variable_in_the_env_file_means_unset(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("LEDGER_ORIGIN=\nLEDGER_LOG_FORMAT=\n", "utf-8")
    assert Settings.from_env({}, dotenv=dotenv) == settings()


@pytest.mark.parametrize(("variable", "value", "message"), REFUSED)
def test_each_bad_value_is_refused_naming_the_variable(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as refused:
        settings(**{variable: value})
    assert "\n" not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_a_bad_value_in_the_env_file_is_refused_too(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("LEDGER_LOG_FORMAT=xml\n", "utf-8")
    with pytest.raises(SettingsError, match="LEDGER_LOG_FORMAT must be text or json"):
        Settings.from_env({}, dotenv=dotenv)


def test_every_bad_variable_is_named_in_one_line() -> None:
    with pytest.raises(SettingsError) as refused:
        settings(LEDGER_LOG_FORMAT="xml", LEDGER_DOCUMENTATION="strict")
    assert str(refused.value) == (
        "LEDGER_DOCUMENTATION must be warn or require; LEDGER_LOG_FORMAT must be text or json"
    )


# ("secret" itself is left out: the message says "a random secret", in other words.)
@pytest.mark.parametrize("weak", ["changeme", "admin", "short-but-random-123", "x" * 23])
def test_the_admin_tokens_value_is_never_in_the_message(weak: str) -> None:
    with pytest.raises(SettingsError) as refused:
        settings(LEDGER_ADMIN_TOKEN=weak, LEDGER_LOG_FORMAT="xml")
    assert weak not in str(refused.value)
    assert "LEDGER_ADMIN_TOKEN" in str(refused.value)


def test_the_admin_token_and_master_key_stay_out_of_the_repr() -> None:
    read = settings(LEDGER_ADMIN_TOKEN=TOKEN, LEDGER_MASTER_KEY=MASTER_KEY)
    assert TOKEN not in repr(read) and MASTER_KEY not in repr(read)


def test_a_directly_built_settings_with_a_weak_token_does_not_show_it() -> None:
    with pytest.raises(ValueError) as refused:
        Settings(admin_token="changeme-please")
    assert "changeme-please" not in str(refused.value)


def test_the_key_variables_reach_the_key_directory_under_their_own_names(tmp_path: Path) -> None:
    read = settings(
        LEDGER_MASTER_KEY=MASTER_KEY,
        LEDGER_CHECKPOINT_KEY_NAME="region-orebro",
        LEDGER_SIGNING_KEY_FILE="/run/sign.pem",
        LEDGER_RETIRED_CHECKPOINT_KEYS="a+1+x",
    )
    assert read.key_env() == {
        ENV_MASTER_KEY: MASTER_KEY,
        ENV_SIGNING_KEY_NAME: "region-orebro",
        ENV_SIGNING_KEY_FILE: "/run/sign.pem",
        ENV_RETIRED_KEYS: "a+1+x",
    }
    assert KeyDirectory(tmp_path).master_key(read.key_env()) == bytes(range(32))


def test_without_key_variables_the_key_directory_makes_its_own(tmp_path: Path) -> None:
    env = settings().key_env()
    assert env == {ENV_SIGNING_KEY_NAME: "consent-ledger"}
    assert len(KeyDirectory(tmp_path / "keys").master_key(env)) == 32


def test_settings_are_frozen() -> None:
    read = settings()
    with pytest.raises(ValueError):
        read.origin = "elsewhere"  # type: ignore[misc]


def test_only_a_sqlite_file_url_has_a_path() -> None:
    assert settings(LEDGER_DATABASE_URL="sqlite:///var/x.db").sqlite_path() == Path("var/x.db")
    assert settings(LEDGER_DATABASE_URL="sqlite:///:memory:").sqlite_path() is None
    assert settings(LEDGER_DATABASE_URL="postgresql://u@h/db").sqlite_path() is None
