"""The audited events of push subscriptions to the change feed (GD-16, GD-24). The signing secret
is never recorded."""

from __future__ import annotations

from dataclasses import dataclass

from govshare.evidence.events import Event


@dataclass(frozen=True)
class SubscriptionCreated(Event):
    """A consumer agency asked for the changes of a hosted resource to be pushed to its system."""

    agency_id: int  # the consumer
    subscription_id: int
    grant_id: int
    resource_code: str
    url: str
    duty: str
    case_number: str
    cursor: int  # the record version it starts after
    batch_size: int


@dataclass(frozen=True)
class SubscriptionPaused(Event):
    """The consumer paused its subscription: nothing more is pushed until it resumes."""

    agency_id: int
    subscription_id: int


@dataclass(frozen=True)
class SubscriptionResumed(Event):
    """The consumer resumed a paused or stopped subscription (its grant still in force)."""

    agency_id: int
    subscription_id: int
    rearmed_message_id: int | None  # a given-up batch put back in the outbox


@dataclass(frozen=True)
class SubscriptionDeleted(Event):
    """The consumer deleted its subscription."""

    agency_id: int
    subscription_id: int
    cursor: int


@dataclass(frozen=True)
class SubscriptionStopped(Event):
    """The platform stopped a subscription: its grant is no longer in force, or its receiver
    kept refusing a batch."""

    agency_id: int
    subscription_id: int
    grant_id: int
    reason: str
