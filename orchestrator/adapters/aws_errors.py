"""Which AWS errors are final for a request, and which are worth another attempt.

The rule the pipeline keeps (README, "Reliability"): an error that is final for that request (invalid
parameters, access denied, a missing resource) fails the step and is recorded; anything retryable
(throttling, a 5xx, a lost connection) is raised, so Lambda retries the event and the DLQ keeps it. The
classification is botocore's own (the checkers of its standard retry mode), applied to the error the SDK
raised once its own retries were spent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker, TransientRetryableChecker

_CHECKERS = (ThrottledRetryableChecker(), TransientRetryableChecker())


@dataclass(frozen=True)
class _HttpStatus:
    status_code: int


def is_retryable(error: BaseException) -> bool:
    """True for throttling, transient service errors and connection-level failures."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        context = RetryContext(
            attempt_number=1,
            parsed_response=error.response,
            http_response=_HttpStatus(int(status)) if status else None,
        )
    elif isinstance(error, BotoCoreError):
        context = RetryContext(attempt_number=1, caught_exception=error)
    else:
        return False
    return any(checker.is_retryable(context) for checker in _CHECKERS)


class RequestRefusedError(RuntimeError):
    """AWS refused a request for good (a final error): retrying the same request cannot succeed."""

    def __init__(self, error: ClientError) -> None:
        code = error.response.get("Error", {}).get("Code", "Unknown")
        message = error.response.get("Error", {}).get("Message", "")
        super().__init__(f"{error.operation_name} refused ({code}): {message}".rstrip(": "))
        self.code = code
        self.operation = error.operation_name


@contextmanager
def refusals_are_final() -> Iterator[None]:
    """Turn a final ClientError into RequestRefusedError; let retryable ones through unchanged."""
    try:
        yield
    except ClientError as error:
        if is_retryable(error):
            raise
        raise RequestRefusedError(error) from error
