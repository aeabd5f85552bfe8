"""The URL an app answers at, from the hosts its route names.

- `<app>.localhost` is the emulator's: the local router serves it over HTTP on its own port.
- A host under the load balancer's own DNS name (no `domain` given to the stack) is served over HTTP.
- Any other host is under the platform's domain, with its wildcard certificate: HTTPS.
"""

from __future__ import annotations

LOCAL_SUFFIX = ".localhost"
ALB_DNS_SUFFIX = ".elb.amazonaws.com"


def app_url(hosts: list[str], router_port: int | None = None) -> str | None:
    """The URL of the first host, or None when the app has no route. Pure."""
    if not hosts:
        return None
    host = hosts[0]
    if host.endswith(LOCAL_SUFFIX) or host == LOCAL_SUFFIX[1:]:
        return f"http://{host}:{router_port}" if router_port else f"http://{host}"
    if host.endswith(ALB_DNS_SUFFIX):
        return f"http://{host}"
    return f"https://{host}"
