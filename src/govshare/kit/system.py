"""Marks the few service functions that run without a policy: before there is an actor
(sign-in, token lookup) or for the platform itself (migrations, seeding). The architecture test
accepts a public service function only if it calls a policy or carries this mark."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def system_use(reason: str) -> Callable[[F], F]:
    def mark(fn: F) -> F:
        fn.__system_use__ = reason  # type: ignore[attr-defined]
        return fn

    return mark
