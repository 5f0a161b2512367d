"""The audited events of provider APIs and file resources."""

from __future__ import annotations

from dataclasses import dataclass

from govshare.evidence.events import Event


@dataclass(frozen=True)
class EndpointRegistered(Event):
    """A provider registered or changed the API the platform forwards queries to (GD-16)."""

    agency_id: int  # the provider
    resource_code: str
    endpoint_id: int
    base_url: str
    subject_param: str
    fields: dict
    timeout_seconds: float
    secret_changed: bool  # the secret itself is never recorded


@dataclass(frozen=True)
class FileVersionUploaded(Event):
    """A provider uploaded a new version of a file resource (GD-16)."""

    agency_id: int  # the provider
    resource_code: str
    file_version_id: int
    version: int
    filename: str
    size: int
    sm3: str
