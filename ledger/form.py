"""Consent forms as versions (issue 14): a coordinator registers a pre-printed form (name, version,
its text), and a consent may refer to the form it was given on. The text is kept with its SHA-256,
so that a reviewer sees exactly what was signed (seed 004: "Samtyckesblankett (bilaga 1) bör
användas och när blanketten används ska en hänvisning till blanketten göras i journalen"). A form is
a template, not personal data: it is stored in the clear, and never changes (a new text is a new
version)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.actor import Actor


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ConsentForm(Aggregate):
    class Registered(Aggregate.Created):
        form_name: str
        form_version: str
        text: str
        sha256: str
        actor_id: str
        agency_id: str

    @staticmethod
    def create_id(form_name: str, form_version: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/consent-forms/{form_name}/{form_version}")

    def __init__(
        self,
        form_name: str,
        form_version: str,
        text: str,
        sha256: str,
        actor_id: str,
        agency_id: str,
    ) -> None:
        self.form_name = form_name
        self.form_version = form_version
        self.text = text
        self.sha256 = sha256
        self.registered_by = actor_id
        self.agency_id = agency_id

    @classmethod
    def register(
        cls, *, name: str, version: str, text: str, actor: Actor, now: datetime
    ) -> ConsentForm:
        return cls._create(
            cls.Registered,
            form_name=name,
            form_version=version,
            text=text,
            sha256=text_digest(text),
            actor_id=actor.actor_id,
            agency_id=actor.agency_id,
            timestamp=now,
        )

    @property
    def intact(self) -> bool:
        """The stored text still has the digest it was registered with."""
        return text_digest(self.text) == self.sha256
