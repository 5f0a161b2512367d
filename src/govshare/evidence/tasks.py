"""The evidence domain's periodic work for the worker: every second, append the data snapshots
queries stored since the last round to the receipt log and sign a tree head over them (and over
the audit chain's newest checkpoint) with the platform key — one signature for thousands of
snapshots — then ask the RFC 3161 time-stamping authority, when one is configured, for a token
over that head (outside the transaction: a slow TSA must not hold the log's lock)."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from govshare.config import Settings
from govshare.db import unit_of_work
from govshare.evidence import log_service, snapshot_service, tsa
from govshare.evidence.keystore import PLATFORM, KeyStore
from govshare.evidence.signing import Signer
from govshare.kit.errors import DomainError

log = logging.getLogger("govshare.evidence.tasks")

BATCH = 50_000  # snapshots appended per transaction
MAX_BATCHES = 10  # per round: a backlog drains over a few rounds, the loop keeps ticking
_told: set[str] = set()  # the key problems already logged, once each


def _signer(settings: Settings) -> Signer | None:
    """The platform key, or None (said once in the log) when it cannot be opened: the worker's
    other jobs must go on, and snapshots simply wait, stored, until the key is there."""
    try:
        return _stores(settings).signer(PLATFORM)
    except DomainError as exc:
        if exc.message not in _told:
            _told.add(exc.message)
            log.warning("tree heads not signed: %s", exc.message)
        return None


_keystores: dict[str, KeyStore] = {}


def _stores(settings: Settings) -> KeyStore:
    """One key store per data folder, so the private key is opened (600,000 rounds) once."""
    folder = str(settings.data_dir)
    if folder not in _keystores:
        _keystores[folder] = KeyStore.for_settings(settings)
    return _keystores[folder]


def seal_snapshots(sessions: sessionmaker[Session], settings: Settings, today: date) -> str | None:
    """One round: append the pending snapshots, sign a tree head if anything is new, time-stamp
    it if a TSA is configured. A line for the log when snapshots were appended, else None."""
    signer = _signer(settings)
    if signer is None:
        return None
    appended, signed = 0, None
    for _ in range(MAX_BATCHES):
        with unit_of_work(sessions) as session:
            count = snapshot_service.append_pending(session, BATCH)
            head = log_service.issue_tree_head(session, signer)
            signed = (head.id, log_service.signed_head(head)) if head else signed
        appended += count
        if count < BATCH:
            break
    if signed and settings.tsa_url:
        _timestamp(sessions, settings.tsa_url, *signed)
    if not appended:
        return None
    return f"数据快照：{appended} 份写入收据日志，签名树头覆盖前 {signed[1].tree_size} 条"


def _timestamp(sessions: sessionmaker[Session], url: str, head_id: int, head) -> None:
    try:
        token = tsa.request_token(head.signed_bytes(), url)
        with unit_of_work(sessions) as session:
            log_service.record_timestamp(session, head_id, url, token)
    except DomainError as exc:  # the head stands without a token; the next one will ask again
        log.warning("tree head %s not time-stamped: %s", head_id, exc.message)
