"""The pipeline's tests assert the pipeline's own ECS calls: other parts' post-deploy hooks are switched off
here (they are tested with their own parts); tests that want a hook register one."""

from __future__ import annotations

import pytest

from orchestrator.pipeline import hooks


@pytest.fixture(autouse=True)
def _only_registered_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "DEFAULT_HOOKS", ())
