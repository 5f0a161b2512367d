"""Evidence (证据): the append-only, hash-chained audit log. Imports no other domain."""

from govshare.evidence.chain import record, record_many  # noqa: F401
