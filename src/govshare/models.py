"""Every domain's models, imported so that Alembic and the tests see the whole schema."""

from govshare.catalog import models as catalog_models  # noqa: F401
from govshare.db import Base
from govshare.directory import models as directory_models  # noqa: F401
from govshare.evidence import models as evidence_models  # noqa: F401
from govshare.workdays import models as workdays_models  # noqa: F401

metadata = Base.metadata
