"""Domain errors shared by every app's services.

A service raises ``DomainError`` (or a subclass) when a business rule refuses a change;
views turn it into a form error or an HTTP 400, never a 500.
"""


class DomainError(Exception):
    """A business rule refused the requested change. ``message`` is user-facing."""

    code = "domain_error"

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code


class IllegalTransition(DomainError):
    """A status change that the lifecycle's transition table does not allow."""

    code = "illegal_transition"
