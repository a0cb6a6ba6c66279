"""Configuration from the environment (a `.env` file may supply it); one typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///./var/ledger.db"
MIN_TOKEN_LENGTH = 24
LOG_FORMATS = ("text", "json")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    admin_token: str | None = None
    key_dir: Path = Path("./var/keys")
    policy_file: Path | None = None
    catalogue_file: Path | None = None
    origin: str = "consent-ledger.local/log"
    checkpoint_interval: timedelta = timedelta(minutes=10)
    token_lifetime: timedelta = timedelta(days=365)
    log_format: str = "text"  # or "json": one JSON object a line, with the request id
    documentation: str = "warn"  # warn | require (ledger/usecases/consents.py, check_method)
    env: Mapping[str, str] | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> Settings:
        values = dict(_read_dotenv(dotenv)) if dotenv is not None else {}
        values.update(environ if environ is not None else os.environ)
        admin = values.get("LEDGER_ADMIN_TOKEN") or None
        if admin is not None and (
            len(admin) < MIN_TOKEN_LENGTH or admin in ("changeme", "admin", "secret")
        ):
            raise SettingsError(
                f"LEDGER_ADMIN_TOKEN must be a random secret of at least {MIN_TOKEN_LENGTH} characters"
            )
        log_format = (values.get("LEDGER_LOG_FORMAT") or "text").strip().lower()
        if log_format not in LOG_FORMATS:
            raise SettingsError("LEDGER_LOG_FORMAT must be text or json")
        documentation = values.get("LEDGER_DOCUMENTATION") or cls.documentation
        if documentation not in ("warn", "require"):
            raise SettingsError("LEDGER_DOCUMENTATION must be warn or require")
        interval = values.get("LEDGER_CHECKPOINT_INTERVAL_SECONDS")
        lifetime = values.get("LEDGER_TOKEN_LIFETIME_DAYS")
        return cls(
            database_url=values.get("LEDGER_DATABASE_URL") or DEFAULT_DATABASE_URL,
            admin_token=admin,
            key_dir=Path(values.get("LEDGER_KEY_DIR") or "./var/keys"),
            policy_file=_path(values.get("LEDGER_POLICY_FILE")),
            catalogue_file=_path(values.get("LEDGER_CATALOGUE_FILE")),
            origin=values.get("LEDGER_ORIGIN") or cls.origin,
            checkpoint_interval=timedelta(seconds=float(interval))
            if interval
            else cls.checkpoint_interval,
            token_lifetime=timedelta(days=float(lifetime)) if lifetime else cls.token_lifetime,
            log_format=log_format,
            documentation=documentation,
            env=values,
        )

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :])
        return None


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip().strip("'\"")
    return out
