"""Use cases of consent forms: register a version, read one, list them all."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.access import require_role
from ledger.application import Outcome, Request
from ledger.errors import AlreadyExists, Invalid, NotFound
from ledger.form import ConsentForm
from ledger.timeutil import iso
from ledger.usecases.sharing import SharingUseCases


def form_json(form: ConsentForm, *, with_text: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(form.id),
        "name": form.form_name,
        "version": form.form_version,
        "sha256": form.sha256,
        "intact": form.intact,
        "registered_at": iso(form.created_on),
        "registered_by": form.registered_by,
        "agency_id": form.agency_id,
    }
    if with_text:
        body["text"] = form.text
    return body


class FormUseCases(SharingUseCases):
    def register_form(
        self, request: Request, *, name: str, version: str, text: str
    ) -> tuple[int, Any]:
        require_role(request.actor, "forms.register")

        def command() -> Outcome:
            errors = [
                (f, "must not be empty")
                for f, v in (("name", name), ("version", version), ("text", text))
                if not v.strip()
            ]
            if errors:
                raise Invalid(errors)
            form_id = ConsentForm.create_id(name.strip(), version.strip())
            if form_id in self.repository:
                raise AlreadyExists(
                    "this version of the form is registered; a new text is a new version",
                    str(form_id),
                )
            form = ConsentForm.register(
                name=name.strip(),
                version=version.strip(),
                text=text,
                actor=request.actor,
                now=self.now(),
            )
            return Outcome((form,), 201, form_json(form))

        return self.execute(request, command)

    def read_form(self, request: Request, form_id: str) -> dict[str, Any]:
        require_role(request.actor, "forms.read")
        try:
            return form_json(self.consent_form(form_id))
        except Invalid:
            raise NotFound("no such consent form") from None

    def list_forms(self, request: Request) -> list[dict[str, Any]]:
        require_role(request.actor, "forms.read")
        rows = self.database.read(
            self.database.tables.audit, types=["consent_form.registered"], limit=1_000_000
        )
        forms = [self.written_once(UUID(r.originator_id)) for r in rows]
        return [form_json(f, with_text=False) for f in forms if isinstance(f, ConsentForm)]
