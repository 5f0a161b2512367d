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
