"""Post-deploy hooks: code that must follow every successful deploy (re-pointing scheduled tasks, ...).

A hook is `callback(app, build_number, task_definitions)` where `task_definitions` maps each process type
to the task-definition ARN now running. It is called once, when a build's deploy succeeds and that build
is the newest deployed one (the `DEPLOYED` item was written), and again on every later delivery of that
build's deployment events until all of them have succeeded once (`DEPLOYED.hooks` is `pending` until then).
Hooks must be idempotent. A failing hook does not stop the others; it is logged, counted (metric
`DeployHookFailures`) and raised as DeployHooksError, so Lambda retries the event and, after its retries,
the DLQ keeps it for a redrive. A hook's work (a deferred config change) is never lost.

Register a hook either with `register(callback)` at import time of a module the handler imports, or, for a
module the pipeline does not import, by adding its dotted path ("package.module:function") to
`DEFAULT_HOOKS`: those are imported lazily, on the first deploy.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from aws_lambda_powertools.metrics import MetricUnit

from orchestrator.observability import logger, metrics

DeployedCallback = Callable[[str, int, dict[str, str]], None]

DEFAULT_HOOKS: tuple[str, ...] = ("orchestrator.parameters.deploy_hook:on_deployed",)
_registered: list[DeployedCallback] = []


def register(callback: DeployedCallback) -> DeployedCallback:
    """Add a post-deploy hook (usable as a decorator). Registering the same callback twice is a no-op."""
    if callback not in _registered:
        _registered.append(callback)
    return callback


def unregister(callback: DeployedCallback) -> None:
    if callback in _registered:
        _registered.remove(callback)


def _load(path: str) -> DeployedCallback:
    module, _, name = path.partition(":")
    hook: DeployedCallback = getattr(import_module(module), name)
    return hook


def deployed_hooks() -> list[DeployedCallback]:
    hooks = list(_registered)
    for path in DEFAULT_HOOKS:
        hook = _load(path)
        if hook not in hooks:
            hooks.append(hook)
    return hooks


class DeployHooksError(RuntimeError):
    """At least one post-deploy hook failed; the deployment event is retried until they all succeed."""


def run_deployed_hooks(app: str, build_number: int, task_definitions: dict[str, str]) -> None:
    """Call every post-deploy hook; one failing hook does not stop the others. Raises DeployHooksError
    naming the failed hooks once all have run."""
    failed: list[str] = []
    for hook in deployed_hooks():
        try:
            hook(app, build_number, dict(task_definitions))
        except Exception as error:
            logger.exception(
                "post-deploy hook failed", extra={"app": app, "build_number": build_number, "hook": repr(hook)}
            )
            metrics.add_metric(name="DeployHookFailures", unit=MetricUnit.Count, value=1)
            failed.append(f"{getattr(hook, '__qualname__', repr(hook))}: {type(error).__name__}: {error}")
    if failed:
        raise DeployHooksError(f"post-deploy hooks of {app} build {build_number} failed: {'; '.join(failed)}")
