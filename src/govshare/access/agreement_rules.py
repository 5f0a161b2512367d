"""Whether a confidentiality agreement (GD-34) covers a grant: in force today between the two
agencies, naming the resource (or all of the provider's resources), covering every kind of
secret granted, and for state secrets filed with the secrecy department."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.access.models import Agreement
from govshare.catalog.terms import Sensitivity
from govshare.kit import clock


def covers(agreement: Agreement, resource_code: str | None, kinds: Iterable[str],
           today: date) -> bool:
    kinds = set(kinds)
    return (agreement.status == "in_force"
            and agreement.valid_from <= today <= agreement.valid_until
            and (not agreement.resource_codes or resource_code in agreement.resource_codes)
            and kinds <= set(agreement.sensitivities)
            and (Sensitivity.STATE_SECRET.value not in kinds or bool(agreement.secrecy_filing.strip())))


def covering_agreement(session: Session, provider_agency_id: int, consumer_agency_id: int,
                       resource_code: str | None, kinds: Iterable[str],
                       today: date | None = None) -> Agreement | None:
    """The agreement on file that covers these secrets of this resource today, if any."""
    today = today or clock.today()
    kinds = list(kinds)
    candidates = session.scalars(select(Agreement).where(
        Agreement.provider_agency_id == provider_agency_id,
        Agreement.consumer_agency_id == consumer_agency_id,
        Agreement.status == "in_force").order_by(Agreement.id))
    return next((a for a in candidates if covers(a, resource_code, kinds, today)), None)
