"""Domain errors. Each carries a stable machine `code`, an HTTP status and a message a person
understands; entry points turn them into RFC 9457 problem details, CLI messages or form errors."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        if code:
            self.code = code


class InvalidInput(DomainError):
    """The input breaks a rule; `field` names the field and `rule` the rule."""

    status = 422
    code = "invalid_input"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
