"""The parameter side of every successful deploy (a post-deploy hook, see orchestrator/pipeline/hooks.py).

Add `"orchestrator.parameters.deploy_hook:on_deployed"` to `hooks.DEFAULT_HOOKS` (or call
`install()` from a module the deploy handler imports).
"""

from __future__ import annotations

from orchestrator.parameters.changes import after_deploy
from orchestrator.pipeline import hooks


def on_deployed(app: str, build_number: int, task_definitions: dict[str, str]) -> None:
    """Re-point the app's scheduled-task targets at the new task definition, and re-apply config and
    scaling changes that arrived while the deploy was running. Idempotent."""
    after_deploy(app)


def install() -> None:
    hooks.register(on_deployed)
