"""Host names the shared load balancer routes, and the names of what it routes them to.

- An app is served as `<app>.<domain>`; review app `<pipeline>:<N>` as `<pipeline>-pr<N>.<domain>` (the
  same base as its ECS names, so the two never disagree).
- A host name is lower-case DNS labels (letters, digits, inner hyphens, 1-63 each), at least two labels,
  253 characters at most. ALB host conditions compare without case, so upper case is folded, not refused.
- Target group names are at most 32 characters: `orch-<start of the ECS base>-<hash>`, unique per app.
"""

from __future__ import annotations

import hashlib
import re

from orchestrator.pipeline.apps import AppRef

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
HOST_MAX_LENGTH = 253
TARGET_GROUP_PREFIX = "orch-"  # the handlers' IAM grant is scoped to target groups named so


def host_name_error(host: str) -> str | None:
    """Why `host` cannot be routed to an app, or None."""
    if len(host) > HOST_MAX_LENGTH:
        return f"{host[:40]!r}... is longer than {HOST_MAX_LENGTH} characters"
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return (
            f"{host!r} is not a host name: two or more dot-separated labels of lowercase letters, digits "
            "and inner hyphens (1-63 characters each)"
        )
    if labels[-1].isdigit():
        return f"{host!r} is an IP address, not a host name"
    return None


def normalized_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


def app_host(app: AppRef, domain: str) -> str:
    """The host an app (or review app) gets under the platform's domain."""
    return f"{app.resource_name}.{domain}"


def target_group_name(app: AppRef, process: str) -> str:
    base = app.ecs_name(process)
    digest = hashlib.sha256(base.encode()).hexdigest()[:8]
    start = base[: 32 - len(TARGET_GROUP_PREFIX) - len(digest) - 1].strip("-")
    return f"{TARGET_GROUP_PREFIX}{start}-{digest}"
