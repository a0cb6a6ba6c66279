"""The integrity endpoints over HTTP, checked as an outside auditor would: the signed checkpoint
with its own key, leaves against their hashes, proofs against signed roots, a bundle offline; and
bad arguments as 422 problems naming the argument."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from ledger.checkpoint import verify_bundle, verify_checkpoint
from ledger.merkle import verify_consistency, verify_inclusion
from tests.e2e.conftest import Api


@pytest.fixture
def logged(api: Api) -> Api:
    """A few events: agencies, tokens, a youth with a guardian and a consent, and a check."""
    api.agencies()
    youth = api.youth()
    guardian = api.guardian(youth, "Eva Andersson", "sole")
    r = api.consent(youth, [{"party": "guardian", "guardian_id": guardian}])
    assert r.status_code == 201, r.text
    assert api.check(youth)["allowed"]
    return api


def signed(api: Api) -> dict[str, Any]:
    r = api.get("/v1/integrity/checkpoint", "ida")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    checkpoint = verify_checkpoint(
        body["note"], body["key_name"], bytes.fromhex(body["public_key"])
    )
    assert (checkpoint.origin, checkpoint.size) == (body["origin"], body["tree_size"])
    assert checkpoint.root_hash.hex() == body["root_hash"]
    return body


def test_the_checkpoint_is_signed_by_the_key_it_names_and_covers_every_event(logged: Api) -> None:
    body = signed(logged)
    assert set(body) >= {"origin", "tree_size", "root_hash", "signed_at", "note", "key_name"}
    assert body["tree_size"] == logged.tree_size()
    assert body["signed_at"].endswith("Z")


def test_each_leaf_hashes_to_its_leaf_hash_and_is_proven_in_the_signed_root(logged: Api) -> None:
    body = signed(logged)
    size, root = body["tree_size"], bytes.fromhex(body["root_hash"])
    for position in range(size):
        leaf = logged.get(f"/v1/integrity/leaves/{position}", "ida").json()
        assert leaf["position"] == position
        leaf_bytes = bytes.fromhex(leaf["leaf"])
        assert hashlib.sha256(b"\x00" + leaf_bytes).hexdigest() == leaf["leaf_hash"]
        assert leaf["recorded_at"].endswith("Z") and leaf["type"]
        assert b"Kim" not in leaf_bytes and b"Eva" not in leaf_bytes  # no personal data
        r = logged.get(f"/v1/integrity/proofs/inclusion?position={position}&tree_size={size}")
        assert r.status_code == 200, r.text
        proof = r.json()
        assert proof["leaf_hash"] == leaf["leaf_hash"]
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        verify_inclusion(position, size, bytes.fromhex(leaf["leaf_hash"]), path, root)


def test_a_later_checkpoint_is_proven_to_extend_an_earlier_one(logged: Api) -> None:
    earlier = signed(logged)
    logged.youth(birth="20100101", name="Alex Berg", serial="456")
    later = signed(logged)
    assert later["tree_size"] > earlier["tree_size"]
    first, second = earlier["tree_size"], later["tree_size"]
    r = logged.get(f"/v1/integrity/proofs/consistency?first={first}&second={second}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["first"], body["second"]) == (first, second)
    verify_consistency(
        first,
        second,
        bytes.fromhex(earlier["root_hash"]),
        bytes.fromhex(later["root_hash"]),
        [bytes.fromhex(h) for h in body["proof"]],
    )


def test_an_evidence_bundle_verifies_offline(logged: Api) -> None:
    position = logged.tree_size() - 1
    r = logged.get(f"/v1/integrity/bundles/{position}", "ida")
    assert r.status_code == 200, r.text
    checkpoint = verify_bundle(r.json())
    assert checkpoint.size > position


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ("inclusion?position=0&tree_size=0", "tree_size"),
        ("inclusion?position=-1&tree_size=1", "position"),
        ("inclusion?position=5&tree_size=5", "position"),
        ("inclusion?position=0&tree_size=100000", "tree_size"),
        ("inclusion?position=x&tree_size=1", "position"),
        ("inclusion?position=0", "tree_size"),
        ("consistency?first=0&second=1", "first"),
        ("consistency?first=3&second=2", "first"),
        ("consistency?first=1&second=100000", "second"),
        ("consistency?first=1&second=two", "second"),
    ],
)
def test_a_bad_proof_argument_is_a_422_naming_it(logged: Api, query: str, argument: str) -> None:
    r = logged.get(f"/v1/integrity/proofs/{query}", "ida")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == [argument]


def test_a_leaf_or_bundle_beyond_the_log_is_404(logged: Api) -> None:
    beyond = logged.tree_size() + 10
    assert logged.get(f"/v1/integrity/leaves/{beyond}", "ida").status_code == 404
    assert logged.get(f"/v1/integrity/bundles/{beyond}", "ida").status_code == 404


def test_the_integrity_endpoints_need_a_token(logged: Api) -> None:
    for path in ["checkpoint", "leaves/0", "proofs/inclusion?position=0&tree_size=1"]:
        assert logged.client.get(f"/v1/integrity/{path}").status_code == 401
