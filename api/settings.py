"""Configuration from the environment (a `.env` file may supply it): one typed pydantic-settings
model. A bad value is refused as a SettingsError naming the variable, never echoing the value."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ledger.cache import DEFAULT_CACHE_EVENTS
from ledger.keys import (
    DEFAULT_SIGNING_KEY_NAME,
    ENV_MASTER_KEY,
    ENV_RETIRED_KEYS,
    ENV_SIGNING_KEY_FILE,
    ENV_SIGNING_KEY_NAME,
)

DEFAULT_DATABASE_URL = "sqlite:///./var/ledger.db"
MIN_TOKEN_LENGTH = 24
LOG_FORMATS = ("text", "json")
WEAK_TOKENS = ("changeme", "admin", "secret")


class SettingsError(ValueError):
    """A variable holds a value the service cannot run with; the message names the variable."""


# Key material: an empty value is refused rather than read as unset, since falling back to the
# key directory would silently sign (or encrypt) with another key than the operator meant.
_EMPTY_REFUSED = ("master_key", "signing_key_file", "checkpoint_key_name")


class Settings(BaseSettings):
    """Each field is read from the variable named by its alias; an empty value means unset."""

    model_config = SettingsConfigDict(
        case_sensitive=True,
        env_file=None,  # from_env names the file; direct construction reads nothing but its arguments
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # the admin token or master key never appears in an error
        validate_by_name=True,
        validate_by_alias=True,
    )

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="LEDGER_DATABASE_URL")
    admin_token: str | None = Field(None, alias="LEDGER_ADMIN_TOKEN", repr=False)
    key_dir: Path = Field(Path("./var/keys"), alias="LEDGER_KEY_DIR")
    policy_file: Path | None = Field(None, alias="LEDGER_POLICY_FILE")
    catalogue_file: Path | None = Field(None, alias="LEDGER_CATALOGUE_FILE")
    retention_file: Path | None = Field(None, alias="LEDGER_RETENTION_FILE")  # issue 14
    origin: str = Field("consent-ledger.local/log", alias="LEDGER_ORIGIN")
    checkpoint_interval: timedelta = Field(
        timedelta(minutes=10), alias="LEDGER_CHECKPOINT_INTERVAL_SECONDS"
    )
    token_lifetime: timedelta = Field(timedelta(days=365), alias="LEDGER_TOKEN_LIFETIME_DAYS")
    # warn | require (ledger/usecases/consents.py, check_method)
    documentation: Literal["warn", "require"] = Field("warn", alias="LEDGER_DOCUMENTATION")
    # or "json": one JSON object a line, with the request id
    log_format: Literal["text", "json"] = Field("text", alias="LEDGER_LOG_FORMAT")
    # Key material: key_env() hands it to ledger.keys.KeyDirectory, which parses and checks it.
    master_key: str | None = Field(None, alias="LEDGER_MASTER_KEY", repr=False)
    signing_key_file: Path | None = Field(None, alias="LEDGER_SIGNING_KEY_FILE")
    checkpoint_key_name: str = Field(DEFAULT_SIGNING_KEY_NAME, alias="LEDGER_CHECKPOINT_KEY_NAME")
    retired_checkpoint_keys: str | None = Field(None, alias="LEDGER_RETIRED_CHECKPOINT_KEYS")
    # Where pg_dump and pg_restore are (ledger backup / restore), if not found by themselves.
    pg_bin: Path | None = Field(None, alias="LEDGER_PG_BIN")
    # How many events the youths' aggregates held in memory may add up to (ledger/cache.py)
    cache_events: int = Field(DEFAULT_CACHE_EVENTS, alias="LEDGER_CACHE_EVENTS", ge=1)
    # How many log positions the audit index may lack before /readyz answers 503 (api/routes/ops.py)
    ready_max_lag: int = Field(0, alias="LEDGER_READY_MAX_LAG", ge=0)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """The settings from `environ` (the process environment by default) over the `dotenv`
        file, if it exists. An empty variable in `environ` means unset: it hides the file's."""
        environ = os.environ if environ is None else environ
        given: dict[str, Any] = {
            alias: environ[alias]
            for alias in (field.alias for field in cls.model_fields.values())
            if alias is not None and alias in environ
        }
        try:
            # _env_file is BaseSettings.__init__'s; mypy sees only the fields' signature
            return cls(_env_file=dotenv, **given)  # type: ignore[call-arg]
        except ValidationError as e:
            raise SettingsError(_describe(e)) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment comes in through from_env's arguments (so tests can inject one), the
        # file through the .env source beneath them; os.environ is never read behind a caller.
        return init_settings, dotenv_settings

    @model_validator(mode="before")
    @classmethod
    def _empty_means_unset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        refused = {*_EMPTY_REFUSED, *(_alias(name) for name in _EMPTY_REFUSED)}
        return {k: v for k, v in data.items() if v != "" or k in refused}

    @field_validator("admin_token")
    @classmethod
    def _strong_token(cls, value: str | None) -> str | None:
        if value is not None and (len(value) < MIN_TOKEN_LENGTH or value in WEAK_TOKENS):
            raise ValueError("weak admin token")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("checkpoint_interval", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        return value if isinstance(value, timedelta) else _positive(value, "seconds")

    @field_validator("token_lifetime", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        return value if isinstance(value, timedelta) else _positive(value, "days")

    @field_validator(*_EMPTY_REFUSED, mode="before")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if value == "":
            raise ValueError("empty")
        return value

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :])
        return None

    def key_env(self) -> dict[str, str]:
        """The key variables that are set, by name, as ledger.keys.KeyDirectory reads them."""
        values = {
            ENV_MASTER_KEY: self.master_key,
            ENV_SIGNING_KEY_FILE: str(self.signing_key_file) if self.signing_key_file else None,
            ENV_SIGNING_KEY_NAME: self.checkpoint_key_name,
            ENV_RETIRED_KEYS: self.retired_checkpoint_keys,
        }
        return {name: value for name, value in values.items() if value is not None}


_MESSAGES = {
    "admin_token": f"must be a random secret of at least {MIN_TOKEN_LENGTH} characters",
    "documentation": "must be warn or require",
    "log_format": "must be text or json",
    "checkpoint_interval": "must be a positive number of seconds",
    "token_lifetime": "must be a positive number of days",
    "cache_events": "must be a whole number of events, at least 1",
    "ready_max_lag": "must be a whole number of log positions, 0 or more",
    "master_key": "must not be empty (unset it to use master.key in the key directory)",
    "signing_key_file": "must not be empty (unset it to use the key directory's signing key)",
    "checkpoint_key_name": f"must not be empty (unset it for {DEFAULT_SIGNING_KEY_NAME})",
}


def _alias(name: str) -> str:
    alias = Settings.model_fields[name].alias
    assert alias is not None
    return alias


def _describe(error: ValidationError) -> str:
    """One line naming each refused variable; the values themselves are left out."""
    by_alias = {field.alias: name for name, field in Settings.model_fields.items()}
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        key = str(item["loc"][0]) if item["loc"] else ""
        name = by_alias.get(key, key)
        if name in Settings.model_fields:
            parts.append(f"{_alias(name)} {_MESSAGES.get(name, 'is not valid')}")
        else:
            parts.append("the settings are not valid")
    return "; ".join(dict.fromkeys(parts))


def _positive(value: Any, unit: Literal["seconds", "days"]) -> timedelta:
    try:
        number = float(value)
        if not math.isfinite(number) or number <= 0:
            raise ValueError(unit)
        return timedelta(**{unit: number})
    except (TypeError, OverflowError):
        raise ValueError(unit) from None
