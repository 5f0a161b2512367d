"""Every domain's models, imported so that Alembic and the tests see the whole schema."""

from govshare.access import models as access_models  # noqa: F401
from govshare.catalog import models as catalog_models  # noqa: F401
from govshare.catalog import search_models
from govshare.db import Base
from govshare.directory import models as directory_models  # noqa: F401
from govshare.evidence import log_models as evidence_log_models  # noqa: F401
from govshare.evidence import models as evidence_models  # noqa: F401
from govshare.evidence import snapshot_models as evidence_snapshot_models  # noqa: F401
from govshare.exchange import archive_models as exchange_archive_models  # noqa: F401
from govshare.exchange import endpoint_models as exchange_endpoint_models  # noqa: F401
from govshare.exchange import feed_models as exchange_feed_models  # noqa: F401
from govshare.exchange import models as exchange_models  # noqa: F401
from govshare.exchange import query_models as exchange_query_models  # noqa: F401
from govshare.exchange import seal_models as exchange_seal_models  # noqa: F401
from govshare.kit import outbox_models  # noqa: F401
from govshare.workdays import models as workdays_models  # noqa: F401

metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the catalog's full-text index is engine-specific DDL (migration 0003)."""
    return not (type_ == "table" and reflected and search_models.is_engine_specific(name))
