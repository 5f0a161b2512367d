from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    recorded_at: datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    agency_id: int | None
    event_type: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    @field_validator("payload", mode="before")
    @classmethod
    def _parse(cls, v):
        return json.loads(v) if isinstance(v, str) else v


class ChainReportRead(BaseModel):
    ok: bool
    checked: int
    position: int | None
    problem: str | None
    detail: str


class PublishedKeyRead(BaseModel):
    key_id: str
    name: str
    owner: str  # "platform" or "agency"
    agency_id: int | None
    agency_name: str | None
    algorithm: str
    public_key_pem: str
    valid_from: datetime
    valid_until: datetime | None
    current: bool


class KeyListRead(BaseModel):
    """What /.well-known/govshare-keys.json publishes: save it to check evidence offline."""

    platform: str
    hash_algorithm: str = "SM3"
    sm2_signer_id: str = "1234567812345678"
    key_id_rule: str = "SM3 of the DER SubjectPublicKeyInfo, hex"
    keys: list[PublishedKeyRead]


class TreeHeadRead(BaseModel):
    tree_size: int
    root_hash: str
    timestamp: int
    hash_algorithm: str
    key_id: str
    algorithm: str
    signature: str
    timestamp_token: str | None = None


class ConsistencyRead(BaseModel):
    first: int
    second: int
    proof: list[str]


class CheckpointReportRead(BaseModel):
    ok: bool
    checked: int
    tree_heads: int
    position: int | None
    checkpoint_seq: int | None
    problem: str | None
    detail: str
    summary: str
