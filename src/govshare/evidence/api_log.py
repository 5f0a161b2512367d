"""The receipt log and the keys over HTTP. Public keys, tree heads and consistency proofs are
public (they are what lets anyone check evidence without trusting the platform); verifying the
checkpoints and fetching a checkpoint's evidence file are for overseers."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from govshare.evidence import evidence_service, keys_service, log_service, service
from govshare.evidence.keystore import PLATFORM, KeyStore
from govshare.evidence.schemas import (
    CheckpointReportRead,
    ConsistencyRead,
    KeyListRead,
    PublishedKeyRead,
    TreeHeadRead,
)
from govshare.kit.errors import NotFound
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute

router = APIRouter(tags=["evidence 证据"], route_class=TransactionalRoute)


def key_store(request: Request) -> KeyStore:
    """One key store per application: it opens each private key once and caches the lists."""
    store = getattr(request.app.state, "evidence_keys", None)
    if store is None:
        store = request.app.state.evidence_keys = KeyStore.for_settings(request.app.state.settings)
    return store


Keys = Annotated[KeyStore, Depends(key_store)]


def _key_list(request: Request, db, keys: KeyStore) -> KeyListRead:
    published = keys_service.published_keys(db, keys)
    return KeyListRead(platform=request.app.state.settings.platform_name,
                       keys=[PublishedKeyRead(**k.to_dict()) for k in published])


# Outside the versioned API, so not in the OpenAPI document: /api/v1/evidence/keys is its twin there.
@router.get("/.well-known/govshare-keys.json", response_model=KeyListRead, include_in_schema=False)
def well_known_keys(request: Request, db: DbSession, keys: Keys):
    """Every public key the platform and the agencies ever signed with, with its validity."""
    return _key_list(request, db, keys)


@router.get("/api/v1/evidence/keys", response_model=KeyListRead)
def list_keys(request: Request, db: DbSession, keys: Keys):
    """The published public keys (the same list as /.well-known/govshare-keys.json)."""
    return _key_list(request, db, keys)


@router.get("/api/v1/evidence/tree-heads/latest", response_model=TreeHeadRead)
def latest_tree_head(db: DbSession):
    """The newest signed tree head of the receipt log, with its RFC 3161 token if any."""
    head = log_service.latest_tree_head(db)
    if head is None:
        raise NotFound("收据日志尚无签名树头。", field="tree_head", rule="tree_head_exists")
    stamp = log_service.timestamp_of(db, head.id)
    token = base64.b64encode(stamp.token).decode("ascii") if stamp else None
    return TreeHeadRead(**log_service.signed_head(head).to_dict(), timestamp_token=token)


@router.get("/api/v1/evidence/consistency", response_model=ConsistencyRead)
def consistency(db: DbSession, first: int, second: int):
    """RFC 9162 consistency proof between two tree sizes: the log only grew."""
    proof = log_service.consistency_proof(db, first, second)
    return ConsistencyRead(first=first, second=second, proof=[p.hex() for p in proof])


@router.get("/api/v1/evidence/checkpoints/{leaf_index}/evidence")
def checkpoint_evidence(db: DbSession, actor: CurrentActor, keys: Keys, leaf_index: str):
    """The evidence file of an audit-chain checkpoint (`latest` for the newest signed one)."""
    index = log_service.latest_checkpoint(db) if leaf_index == "latest" else _index(leaf_index)
    document = evidence_service.checkpoint_evidence(db, actor, keys, index)
    return JSONResponse(document, headers={
        "Content-Disposition": f'attachment; filename="govshare-evidence-{index}.json"'})


def _index(text: str) -> int:
    if not text.isdigit():
        raise NotFound(f"“{text}”不是收据日志序号。", field="leaf_index", rule="integer")
    return int(text)


@router.get("/api/v1/audit/checkpoints/verify", response_model=CheckpointReportRead)
def verify_checkpoints(db: DbSession, actor: CurrentActor, keys: Keys):
    """Check the signed tree heads and every signed checkpoint against the audit chain (GZ-26)."""
    platform_keys = keys.public_keys(PLATFORM) if PLATFORM in keys.names() else []
    report = service.verify_checkpoints(db, actor, platform_keys)
    return CheckpointReportRead(ok=report.ok, checked=report.checked, tree_heads=report.tree_heads,
                                position=report.position, checkpoint_seq=report.checkpoint_seq,
                                problem=report.problem, detail=report.detail, summary=report.summary)
