"""The ledger application: wires the event store, the sealing mapper and the ledger's own tables,
and is the only place that saves. Use cases live in the mixins of ledger/usecases/."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Transcoding

from ledger.actor import Actor
from ledger.agency import Access
from ledger.cache import DEFAULT_CACHE_EVENTS, EventBoundedCache
from ledger.catalogue import Catalogue, load_catalogue
from ledger.crypto import derive_key, lookup_token, open_sealed, seal
from ledger.entries import entry_meta
from ledger.errors import Conflict, IdempotencyConflict, NotFound
from ledger.groupcommit import GroupCommit
from ledger.policy import DEFAULT_POLICY, ConsentPolicy
from ledger.sealing import SealedAsBase64, SealingMapper
from ledger.store.database import Database, SqlKeyring
from ledger.store.tables import Idempotency
from ledger.timeutil import iso
from ledger.youth import Youth

T = TypeVar("T")
RETRIES = 8
TURN_STRIPES = 256  # per-process turns of writers, one youth to a stripe (see execute)
WRITTEN_ONCE_CACHE_SIZE = 100_000
REPLAY = "__replay__"  # marks a stored answer that is re-rendered, not stored whole


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class Request:
    """Who asks, and the Idempotency-Key and body fingerprint of an event-creating request."""

    actor: Actor
    idempotency_key: str | None = None
    fingerprint: str = ""

    @staticmethod
    def fingerprint_of(method: str, path: str, body: Any) -> str:
        canonical = json.dumps(
            [method, path, body], sort_keys=True, separators=(",", ":"), default=str
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """What a command produced: the aggregates to save, the answer, and index rows."""

    aggregates: tuple[Any, ...]
    status: int
    body: Any
    lookups: tuple[tuple[str, str], ...] = ()
    unlookups: tuple[str, ...] = ()
    # An answer that shows log positions is known only after the save: it is rendered then,
    # and again for an Idempotency-Key replay, from this spec (see render_replay).
    replay: dict[str, Any] | None = None


class LedgerCore(Application[UUID]):
    name = "ledger"

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        clock: Callable[[], datetime],
        master_key: bytes,
        policy: ConsentPolicy = DEFAULT_POLICY,
        catalogue: Catalogue | None = None,
        cache_events: int = DEFAULT_CACHE_EVENTS,
    ) -> None:
        self.clock = clock
        self.cache_events = cache_events
        self.policy = policy
        self.catalogue = catalogue or load_catalogue()
        super().__init__(env)
        self.database = Database(self.recorder)
        self.keyring = SqlKeyring(self.database, master_key, lambda: iso(self.clock()))
        self.lookup_key = derive_key(master_key, "lookup-hmac")
        self.answers_key = derive_key(master_key, "idempotent-answers")
        assert isinstance(self.mapper, SealingMapper)
        self.mapper.keyring = self.keyring
        self._written_once: dict[UUID, Aggregate] = {}
        self._high_water = datetime.min.replace(tzinfo=UTC)
        self._high_water_lock = threading.Lock()
        self._turns = [threading.Lock() for _ in range(TURN_STRIPES)]
        self._access_log = GroupCommit[Access](lambda batch: self.save(*batch))

    # -- infrastructure ----------------------------------------------------------------------
    def construct_repository(self) -> Repository[UUID]:
        """The library's repository with a cache bounded by the events it holds (ledger/cache.py),
        not by how many aggregates: a youth's stream may be a handful of events or thousands."""
        repository = super().construct_repository()
        repository.cache = EventBoundedCache(self.cache_events)
        return repository

    def construct_mapper(self) -> Mapper[UUID]:
        transcoder = self.construct_transcoder()
        return SealingMapper(transcoder=transcoder)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(SealedAsBase64())

    def _record(self, processing_event: Any) -> Any:
        kwargs = processing_event.saved_kwargs
        kwargs["entries"] = [entry_meta(e) for e in processing_event.events]
        assert isinstance(self.mapper, SealingMapper)
        kwargs["restamp"] = self.mapper.restamped
        kwargs.setdefault("restamped", [])
        return super()._record(processing_event)

    # -- ledger time ---------------------------------------------------------------------------
    # The recorder gives each event the time of its place in the log (tables.Tables.append): an
    # event never carries an earlier time than the one before it. A command reads `now` after
    # it loaded what it decides on, and `now` is never earlier than any fact it loaded (their
    # times may come from another process's clock, or from such a restamp), so a decision's
    # known_at covers every fact of the state it rests on.
    def now(self) -> datetime:
        clock = self.clock()
        with self._high_water_lock:
            return max(clock, self._high_water)

    def _seen(self, instant: datetime) -> None:
        with self._high_water_lock:
            if instant > self._high_water:
                self._high_water = instant

    # -- the one way commands are run ---------------------------------------------------------
    def execute(self, request: Request, command: Callable[[], Outcome]) -> tuple[int, Any]:
        """Run a command and save what it produced atomically with its index rows and
        idempotency record. A concurrent change to the same stream makes the command run again
        on fresh state; a replayed Idempotency-Key returns the first answer.

        Writers of one youth race optimistically until one loses (the store's version check);
        from then on that writer holds the youth's turn in this process, and every writer of the
        youth that comes after it waits for it, so that a burst of disclosures cannot starve a
        revocation of its turn. Only writers in other processes can still win against it."""
        scope_key = (
            f"{request.actor.actor_id}\x1f{request.idempotency_key}"
            if request.idempotency_key
            else None
        )
        turn: threading.Lock | None = None
        try:
            for attempt in range(RETRIES):
                if scope_key is not None:
                    replay = self._replay(scope_key, request.fingerprint)
                    if replay is not None:
                        return replay
                outcome = command()
                stream = self._turn_of(outcome)
                if turn is None and stream is not None and stream.locked():
                    stream.acquire()  # another writer of this youth is in line: wait behind it
                    turn = stream
                    outcome = command()  # on the state it left
                restamped: list[Any] = []
                try:
                    self._save_outcome(request, scope_key, outcome, restamped)
                except IntegrityError:
                    if turn is None and stream is not None:
                        stream.acquire()
                        turn = stream
                    # Another process won the stream: back off a little, with jitter.
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))
                    continue
                if outcome.replay is not None:
                    # The youth just saved is the one to render from, unless the recorder gave
                    # its events a later time: then it is read back as stored.
                    held = next((a for a in outcome.aggregates if isinstance(a, Youth)), None)
                    return outcome.status, self.render_replay(
                        outcome.replay, None if restamped else held
                    )
                return outcome.status, outcome.body
        finally:
            if turn is not None:
                turn.release()
        raise Conflict("the record changed concurrently too many times; try again")

    def _turn_of(self, outcome: Outcome) -> threading.Lock | None:
        youth = next((a for a in outcome.aggregates if isinstance(a, Youth)), None)
        return None if youth is None else self._turns[youth.id.int % len(self._turns)]

    def _save_outcome(
        self, request: Request, scope_key: str | None, outcome: Outcome, restamped: list[Any]
    ) -> None:
        record = None
        if scope_key is not None:
            stored = {REPLAY: outcome.replay} if outcome.replay is not None else outcome.body
            sealed = self._seal_answer(scope_key, stored, outcome.aggregates)
            record = Idempotency(scope_key, request.fingerprint, outcome.status, sealed)
        self.save(
            *outcome.aggregates,
            lookups=outcome.lookups,
            unlookups=outcome.unlookups,
            idempotency=record,
            restamped=restamped,
        )

    def _replay(self, scope_key: str, fingerprint: str) -> tuple[int, Any] | None:
        found = self.database.read(self.database.tables.idempotency, scope_key)
        if found is None:
            return None
        if found.fingerprint != fingerprint:
            raise IdempotencyConflict("this Idempotency-Key was used with another request")
        answer = self._open_answer(scope_key, found.body)
        if isinstance(answer, dict) and REPLAY in answer:
            return found.status, self.render_replay(answer[REPLAY])
        return found.status, answer

    # An answer may hold personal data (a guardian's name) or a secret (a new token): it is
    # sealed with the youth's own data key, so that erasure shreds it too, or else with a key
    # derived from the master key.
    def _seal_answer(self, scope_key: str, answer: Any, aggregates: tuple[Any, ...]) -> Any:
        owner = next((str(a.id) for a in aggregates if isinstance(a, Youth)), None)
        key = self.keyring.key_for(owner, create=True) if owner else self.answers_key
        if key is None:
            raise Conflict("the youth's personal data has been erased")
        blob = seal(key, json.dumps(answer), scope_key.encode())
        return {"owner": owner, "sealed": base64.b64encode(blob).decode()}

    def _open_answer(self, scope_key: str, stored: Any) -> Any:
        owner = stored["owner"]
        key = self.keyring.key_for(owner, create=False) if owner else self.answers_key
        if key is None:
            raise Conflict("the first answer was erased with the youth's personal data")
        return json.loads(open_sealed(key, base64.b64decode(stored["sealed"]), scope_key.encode()))

    def render_replay(self, spec: dict[str, Any], held: Youth | None = None) -> Any:
        """The first answer again, from what it was rendered from (see Outcome.replay); `held` is
        the youth at the spec's version when the caller has it (right after the save)."""
        msg = f"no renderer for {spec.get('kind')}"
        raise NotImplementedError(msg)

    # -- reading aggregates -------------------------------------------------------------------
    def youth(self, youth_id: str | UUID, *, for_update: bool = False) -> Youth:
        try:
            uid = youth_id if isinstance(youth_id, UUID) else UUID(youth_id)
        except ValueError:
            raise NotFound("no such youth") from None
        try:
            youth: object = self.repository.get(uid, deepcopy_from_cache=for_update)
        except AggregateNotFoundError:
            raise NotFound("no such youth") from None
        if not isinstance(youth, Youth):
            raise NotFound("no such youth")
        self._seen(youth.modified_on)
        return youth

    def written_once(self, aggregate_id: UUID) -> Aggregate:
        """An aggregate that only ever has its creation event (an agency, a token): a copy once
        read stays current, so it is read from the store only the first time, not on every check.
        Raises AggregateNotFoundError."""
        found = self._written_once.get(aggregate_id)
        if found is None:
            found = self.repository.get(aggregate_id, deepcopy_from_cache=False)
            if len(self._written_once) >= WRITTEN_ONCE_CACHE_SIZE:
                self._written_once.clear()
            self._written_once[aggregate_id] = found
        return found

    def youth_of(self, kind: str, entity_id: str, *, for_update: bool = False) -> Youth:
        youth_id = self.database.read(self.database.tables.lookup, f"{kind}:{entity_id}")
        if youth_id is None:
            raise NotFound(f"no such {kind}")
        return self.youth(youth_id, for_update=for_update)

    def personal_number_key(self, digits: str) -> str:
        return "pnr:" + lookup_token(self.lookup_key, digits)

    def positions(self, stream: UUID) -> dict[int, int]:
        result: dict[int, int] = self.database.read(self.database.tables.positions_of, stream.hex)
        return result

    # -- the read log (who may read what: ledger/access.py) ------------------------------------
    def log_access(
        self,
        actor: Actor,
        action: str,
        youth_id: str | None,
        details: dict[str, object] | None = None,
    ) -> None:
        """Every read of personal data is itself an event in the actor's audit trail, committed
        before the read is answered (together with the reads logged at the same moment)."""
        self._access_log.submit(self._access(actor, action, youth_id, details))

    def log_reads(
        self,
        actor: Actor,
        action: str,
        youth_ids: list[str],
        details: dict[str, object] | None = None,
    ) -> None:
        """One read that shows several youths: an access event for each, in one transaction (or
        one without a youth when it showed none)."""
        if len(youth_ids) <= 1:
            self.log_access(actor, action, youth_ids[0] if youth_ids else None, details)
        else:
            self.save(*(self._access(actor, action, y, details) for y in youth_ids))

    def _access(
        self, actor: Actor, action: str, youth_id: str | None, details: dict[str, object] | None
    ) -> Access:
        return Access.log(
            actor=actor, action=action, youth_id=youth_id, details=details or {}, now=self.now()
        )
