"""Console page 签名密钥: every published key with its owner and validity, the receipt log's
latest signed tree head, and how to check a signature with openssl."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request

from govshare.evidence import keys_service, log_service
from govshare.evidence.api_log import Keys
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/evidence/keys")
def keys_page(request: Request, db: DbSession, actor: PageActor, keys: Keys):
    """The published keys, current first within each owner, and the log's latest tree head."""
    head = log_service.latest_tree_head(db)
    signed_at = datetime.fromtimestamp(head.timestamp / 1000, UTC) if head else None
    return render(request, "evidence/keys.html", keys=keys_service.published_keys(db, keys),
                  head=head, signed_at=signed_at)
