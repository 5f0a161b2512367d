"""The audited events of exchange. A load is one event, however many records it holds."""

from __future__ import annotations

from dataclasses import dataclass

from govshare.evidence.events import Event


@dataclass(frozen=True)
class ResourceRecordsLoaded(Event):
    """A provider loaded a batch into its hosted library (GD-16), all of it."""

    agency_id: int  # the provider
    resource_code: str
    library_id: int
    load_id: int
    source: str  # json, ndjson, csv, xlsx
    records: int
    new_subjects: int
    late: int  # loaded after the entry's update deadline (GZ-17)
    digest: str  # SM3 of the records as stored (writer.Digest)
    catalog_version_id: int
    idempotency_key: str | None = None
