"""What the consent givers were told, how it was adapted to them, and, for a child under 15 whose
guardians consent, whether the child was asked and what the child thought (issue 14). Checks of
the recorded facts only; each rule beside its source.

- Seeds 000/002/003: "Den unge/vårdnadshavare ska ges tydlig information om vad det specifika
  samtycket gäller … varför uppgifter behöver delas … till vilka verksamheter" and "kan alltid
  återkalla ett samtycke. Det är därför viktigt att ge tydlig information om detta."
- Seed 004 (SIG): the person is told "under vilka förutsättningar arbetet i den sociala
  insatsgruppen kan avbrytas".
- Seeds 000/002/003: "Den unge/vårdnadshavare kan behöva tolk, kommunikationsstöd eller andra
  insatser för att kunna fatta beslut om att samtycka."
- Seed 003 (Lou, 14, guardians consent): "Lou tillfrågas om sina intressen och sin inställning".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.errors import Invalid
from ledger.personal import Personal

INFORMATION_ITEMS = ("purpose", "recipients", "right_to_revoke", "sig_end_conditions")
INFORMATION_HOW = ("written", "oral", "both")


def information_given(
    raw: Mapping[str, Any] | None, *, sig: bool
) -> tuple[dict[str, Any] | None, list[str]]:
    """The information given as recorded, and the warnings on what it leaves out. None: not
    recorded (consents stored before issue 14, or a client that does not send it)."""
    if raw is None:
        return None, []
    how = raw.get("how")
    if how is not None and how not in INFORMATION_HOW:
        raise Invalid.field("information_given.how", "must be written, oral or both")
    told: dict[str, bool | None] = {item: bool(raw.get(item)) for item in INFORMATION_ITEMS}
    if not sig and raw.get("sig_end_conditions") is None:
        told["sig_end_conditions"] = None  # not a SIG consent: nothing to tell
    warnings = [
        f"the givers should be told {WHAT[item]}"
        for item in INFORMATION_ITEMS
        if told[item] is False and (sig or item != "sig_end_conditions")
    ]
    return {**told, "how": how, "notes": Personal.of(raw.get("notes"))}, warnings


WHAT = {
    "purpose": "why information is shared (the purpose)",
    "recipients": "to which agencies information goes",
    "right_to_revoke": "that the consent can be revoked",
    "sig_end_conditions": "under which conditions the SIG intervention ends (seed 004)",
}


def adaptations(
    raw: Mapping[str, Any] | None, *, interpreter_used: bool
) -> tuple[dict[str, Any] | None, bool]:
    """The adaptations as recorded, and `interpreter_used` as every old reader knows it: true when
    an interpreter was used (recorded either way). None: not recorded."""
    if raw is None:
        return None, interpreter_used
    interpreter = raw.get("interpreter")
    if interpreter is not None and not str(interpreter.get("language") or "").strip():
        raise Invalid.field("adaptations.interpreter.language", "name the language")
    if interpreter is None and interpreter_used:
        raise Invalid.field(
            "adaptations.interpreter",
            "interpreter_used says an interpreter was used: name the language",
        )
    recorded = {
        "interpreter": None
        if interpreter is None
        else {"language": str(interpreter["language"]).strip()},
        "communication_support": bool(raw.get("communication_support")),
        "easy_read": bool(raw.get("easy_read")),
        "other": Personal.of(raw.get("other")),
    }
    return recorded, interpreter is not None


def child_heard(
    child_asked: bool | None,
    child_view: str | None,
    *,
    young_minor: bool,
    guardians_give: bool,
) -> tuple[dict[str, Any], list[str]]:
    """For a guardians' consent for a child under 15: whether the child was asked, and the child's
    own view (personal data). Elsewhere the fields do not apply and are refused."""
    if not (young_minor and guardians_give):
        for name, value in (("child_asked", child_asked), ("child_view", child_view)):
            if value is not None:
                raise Invalid.field(
                    name, "applies only to a guardians' consent for a child under 15"
                )
        return {}, []
    view = child_view.strip() if child_view and child_view.strip() else None
    if view is not None and child_asked is False:
        raise Invalid.field("child_view", "the child was not asked (child_asked is false)")
    asked = True if view is not None and child_asked is None else child_asked
    warnings = []
    if not asked:
        warnings.append(
            "the child should be asked for their own view of the consent (seed 003: "
            '"Lou tillfrågas om sina intressen och sin inställning")'
        )
    return {"child_asked": asked, "child_view": Personal.of(view)}, warnings
