"""The site's runtime `config.json`: the contract between the page and where it runs.

In AWS the dashboard stack writes it (auth mode "cognito"); locally `orchestrator dashboard` serves it with
auth mode "local" and the local server's own `/aws` path as the SDK endpoint.
"""

from __future__ import annotations

from typing import Any

from orchestrator.settings import Settings


def local_site_config(settings: Settings, apps_port: int | None, server_url: str) -> dict[str, Any]:
    """`apps_port` (local only, beyond the contract): the emulator's router port, for the apps' URLs."""
    return {
        "region": settings.region,
        "endpoint": f"{server_url}/aws",
        "tableName": settings.table_name,
        "parameterPrefix": f"/{settings.ssm_prefix}",
        "cluster": settings.cluster_name,
        "auth": {"mode": "local"},
        "appsPort": apps_port,
    }
