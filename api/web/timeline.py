"""The youth's timeline as a picture: the geometry of a server-rendered SVG, from the same views
the API answers (read_youth, list_consents, list_disclosures). One row per consent, a bar over
its validity: yellow while it waits for a signature, green once it holds, paler after a partial
revocation (narrowed), cut with a red stroke where it was revoked, annulled or lapsed at 18. The
18th birthday is a dashed line. Disclosures are marks on their own row: a circle on consent, a
diamond on a statutory basis, a red square for a refused attempt, a black ring for one
documented afterwards. Each bar and mark says what it is in words (its <title>, the label read
to a screen reader, and the detail line the page's script fills on focus)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.web.i18n import text
from ledger.timeutil import STOCKHOLM, turns

WIDTH = 900
LEFT = 150  # room for the row labels
RIGHT = 20
ROW = 40
TOP = 30
BAR = 14


@dataclass
class Item:
    """One focusable thing in the picture and what it says."""

    kind: str  # "bar" | "mark"
    desc: str
    shapes: list[dict[str, Any]] = field(default_factory=list)
    href: str | None = None


@dataclass
class Timeline:
    width: int
    height: int
    axis_y: int
    ticks: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    items: list[Item]
    lines: list[dict[str, Any]]


def _t(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d")


def build(
    youth: dict[str, Any],
    consents: list[dict[str, Any]],
    disclosures: list[dict[str, Any]],
    now: datetime,
    lang: str,
) -> Timeline:
    birth = date.fromisoformat(youth["birth_date"])
    eighteen = turns(birth, 18)
    moments = [now, _t(youth["registered_at"]) or now]
    for c in consents:
        moments.append(_t(c["valid_from"]) or now)
        if c["valid_until"]:
            moments.append(_t(c["valid_until"]) or now)
    moments += [_t(d["occurred_at"]) or now for d in disclosures]
    start, end = min(moments), max(moments)
    if start - timedelta(days=730) <= eighteen <= end + timedelta(days=730):
        start, end = min(start, eighteen), max(end, eighteen)
    span = max(end - start, timedelta(days=30))
    start -= span * 0.04
    end += span * 0.04
    total = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        moment = min(max(moment, start), end)
        return round(LEFT + (moment - start).total_seconds() / total * (WIDTH - LEFT - RIGHT), 1)

    rows: list[dict[str, Any]] = []
    items: list[Item] = []
    lines: list[dict[str, Any]] = []
    for i, c in enumerate(consents):
        y = TOP + i * ROW
        rows.append(
            {
                "y": y + BAR / 2 + 4,
                "label": f"{text(lang, 'consent')} {i + 1}",
                "sub": text(lang, "status." + c["status"]),
            }
        )
        items.append(_consent_item(c, i + 1, y, x, end, lang))
    dy = TOP + len(consents) * ROW
    rows.append({"y": dy + BAR / 2 + 4, "label": text(lang, "disclosures"), "sub": ""})
    for d in disclosures:
        items.append(_disclosure_item(d, dy + BAR / 2, x, lang))
    axis_y = dy + ROW
    height = axis_y + 30
    lines.append(
        {
            "class": "tl-18",
            "anchor": "end" if x(eighteen) > WIDTH - 120 else "middle",
            "x": x(eighteen),
            "y1": TOP - 18,
            "y2": axis_y,
            "label": f"{text(lang, 'eighteen')} {_day(eighteen)}",
            "label_y": TOP - 20,
        }
    )
    lines.append(
        {
            "class": "tl-today",
            "anchor": "middle",
            "x": x(now),
            "y1": TOP - 6,
            "y2": axis_y,
            "label": text(lang, "today"),
            "label_y": axis_y + 26,
        }
    )
    return Timeline(WIDTH, height, axis_y, _ticks(start, end, x), rows, items, lines)


def _ticks(start: datetime, end: datetime, x: Any) -> list[dict[str, Any]]:
    months = (end.year - start.year) * 12 + end.month - start.month
    step = 1 if months <= 8 else 3 if months <= 30 else 6 if months <= 60 else 12
    out = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if (month - 1) % step:
            continue
        moment = datetime(year, month, 1, tzinfo=STOCKHOLM).astimezone(UTC)
        if moment > end:
            break
        out.append({"x": x(moment), "label": f"{year}-{month:02d}"})
    return out


def _consent_item(
    c: dict[str, Any], number: int, y: float, x: Any, end: datetime, lang: str
) -> Item:
    begin = _t(c["valid_from"]) or end
    stop = _t(c["valid_until"]) or end
    cut: datetime | None = None
    narrowed: datetime | None = None
    complete: datetime | None = None
    for h in c["history"]:
        at = _t(h["occurred_at"])
        if at is None:
            continue
        if h["type"] == "revoked":
            cut = at if cut is None else min(cut, at)
        elif h["type"] == "annulled":
            recorded = _t(h["recorded_at"]) or at
            cut = recorded if cut is None else min(cut, recorded)
        elif h["type"] == "partially_revoked" and narrowed is None:
            narrowed = at
        elif h["type"] == "signed":
            complete = at
    if c["annulled"]:
        cut = begin  # never valid: the whole bar is shown as after the cut
    lapse = _t(c["lapses_at"])
    if lapse is not None and (cut is None or lapse < cut):
        cut = lapse
    held_until = min(stop, cut) if cut is not None else stop
    shapes: list[dict[str, Any]] = []
    status = c["status"]
    pending_until = held_until if status == "pending" else (complete or begin)

    def bar(a: datetime, b: datetime, cls: str, height: float = BAR) -> None:
        if b > a:
            top = y + (BAR - height) / 2
            shapes.append(
                {
                    "el": "rect",
                    "class": f"tl-bar {cls}",
                    "x": x(a),
                    "y": top,
                    "w": max(x(b) - x(a), 1.5),
                    "h": height,
                }
            )

    bar(begin, min(pending_until, held_until), "pending")
    solid_from = max(begin, pending_until)
    if narrowed is not None and narrowed < held_until:
        bar(solid_from, narrowed, "")
        bar(max(narrowed, solid_from), held_until, "narrowed", BAR / 2)
    else:
        bar(solid_from, held_until, "")
    if cut is not None and cut < stop:
        bar(cut, stop if c["valid_until"] else end, "after", BAR / 3)
        shapes.append(
            {
                "el": "line",
                "class": "tl-cut",
                "x1": x(cut),
                "x2": x(cut),
                "y1": y - 4,
                "y2": y + BAR + 4,
            }
        )
    words = [
        f"{text(lang, 'consent')} {number}: {text(lang, 'status.' + status)}",
        f"{text(lang, 'valid_from')} {_day(begin)}",
        f"{text(lang, 'valid_until')} "
        + (_day(stop) if c["valid_until"] else text(lang, "until_further")),
        f"{text(lang, 'categories')}: {', '.join(c['scope'].get('categories') or [])}",
    ]
    if cut is not None:
        words.append(f"{text(lang, 'status.' + status)} {_day(cut)}")
    if narrowed is not None:
        words.append(f"{text(lang, 'status.partially_revoked')} {_day(narrowed)}")
    return Item("bar", "; ".join(words), shapes, href=f"/consents/{c['id']}")


def _disclosure_item(d: dict[str, Any], cy: float, x: Any, lang: str) -> Item:
    at = _t(d["occurred_at"])
    assert at is not None
    cx = x(at)
    refused = d["status"] == "refused"
    basis = d["basis"]["kind"]
    cls = "refused" if refused else basis
    retro = " retro" if d["retrospective"] else ""
    if refused:
        shape = {
            "el": "rect",
            "class": f"tl-mark {cls}{retro}",
            "x": cx - 6,
            "y": cy - 6,
            "w": 12,
            "h": 12,
        }
    elif basis == "statutory":
        pts = f"{cx},{cy - 8} {cx + 8},{cy} {cx},{cy + 8} {cx - 8},{cy}"
        shape = {"el": "polygon", "class": f"tl-mark {cls}{retro}", "points": pts}
    else:
        shape = {"el": "circle", "class": f"tl-mark {cls}{retro}", "cx": cx, "cy": cy, "r": 7}
    outcome = text(lang, "refused") if refused else text(lang, "recorded")
    words = [
        f"{_day(at)}: {d['from_agency']} → {', '.join(d['to_agencies'])}",
        ", ".join(d["categories"]),
        f"{text(lang, 'basis')}: {text(lang, 'basis.' + basis)}",
        f"{text(lang, 'outcome')}: {outcome}",
    ]
    if d["retrospective"]:
        words.append(text(lang, "late"))
    return Item("mark", "; ".join(words), [shape])
