"""The ledger as one object, and how to open it from configuration."""

from __future__ import annotations

from ledger.usecases.sharing import SharingUseCases


class Ledger(SharingUseCases):
    """Every use case of the consent ledger over one event store."""
