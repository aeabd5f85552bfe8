"""botocore's retry quota, renewed as each invocation starts.

botocore's standard retry mode spends one quota per client on retries (14 a retry after an error or a
timeout, 5 after a throttle) and earns back 1 a successful call: a circuit breaker for long-lived processes.
In a warm Lambda container the quota outlives the invocation, so one bad minute would leave the container's
next invocations, and Lambda's own retries of them, without any SDK retry: each would fail at its first
throttle. So every invocation starts with the full quota. Its retries stay bounded by `aws_max_attempts` a
call and by the function's timeout.

This module imports nothing of botocore until a client is built, so a handler's import does not pay for it.
"""

from __future__ import annotations

from typing import Any

_quotas: list[Any] = []  # botocore RetryQuota objects of the clients built so far


def track(client: Any) -> None:
    """Remember the retry quota botocore gave `client` (the clients module calls it on each client it builds)."""
    quota = retry_quota(client)
    if quota is not None:
        _quotas.append(quota)


def retry_quota(client: Any) -> Any | None:
    """The client's botocore retry quota. botocore keeps it on the retry handler it registers under
    `retry-config-<service>`, with no public accessor: None if a botocore release moves it (then renewing
    does nothing, and tests/unit/test_retry_quotas.py fails)."""
    from botocore.retries.quota import RetryQuota

    service = client.meta.service_model.service_id.hyphenize()
    handlers = getattr(getattr(client.meta.events, "_emitter", None), "_unique_id_handlers", {})
    handler = getattr((handlers.get(f"retry-config-{service}") or {}).get("handler"), "__self__", None)
    quota = getattr(getattr(handler, "_retry_quota", None), "_quota", None)
    return quota if isinstance(quota, RetryQuota) else None


def renew_retry_quotas() -> None:
    """Give every client built so far its full retry quota again."""
    if not _quotas:
        return
    from botocore.retries.quota import RetryQuota

    for quota in _quotas:
        quota.release(RetryQuota.INITIAL_CAPACITY)  # release() caps at the quota's capacity


def forget() -> None:
    """The clients were dropped (`clients.reset_clients`)."""
    _quotas.clear()
