"""The Lambda asset: the orchestrator package without its operator/emulator parts, plus vendored libraries,
staged deterministically; every route's handler imports from it without the CLI's or emulator's libraries."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from infra.asset import EXCLUDED_SUBPACKAGES, stage_into
from infra.config import DEFAULT_POWERTOOLS_LAYER_VERSION, ConfigError, load_config
from infra.lambda_env import layer_lock, locked_versions, unmet_requirements
from orchestrator.events.patterns import event_routes

# Not in the Lambda runtime nor in the Powertools layer: importing any of them in a handler would fail there.
UNAVAILABLE_IN_LAMBDA = ("typer", "rich", "click", "moto", "yaml", "orchestrator.cli", "orchestrator.local")


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stage_into(tmp_path_factory.mktemp("asset") / "code")


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_excludes_cli_local_and_bytecode(staged: Path) -> None:
    for name in EXCLUDED_SUBPACKAGES:
        assert not (staged / "orchestrator" / name).exists()
    assert not list(staged.rglob("__pycache__"))
    assert not list(staged.rglob("*.pyc"))
    assert (staged / "orchestrator" / "handlers" / "common.py").is_file()
    assert (staged / "orchestrator" / "settings.py").is_file()


def test_vendors_the_layers_pydantic_settings_and_dotenv_with_licenses(staged: Path) -> None:
    assert (staged / "pydantic_settings" / "__init__.py").is_file()
    assert (staged / "dotenv" / "__init__.py").is_file()
    pinned = locked_versions(layer_lock(DEFAULT_POWERTOOLS_LAYER_VERSION))
    for dist in ("pydantic_settings", "python_dotenv"):
        # the layer's pin, not the development environment's version
        (info,) = staged.glob(f"{dist}-{pinned[dist.replace('_', '-')]}.dist-info")
        assert (info / "METADATA").is_file()
        assert list(info.rglob("LICENSE*"))
        assert not (info / "RECORD").exists()  # installer-specific, would make the hash machine-dependent


def test_staging_is_deterministic(staged: Path, tmp_path: Path) -> None:
    assert digest(stage_into(tmp_path / "again")) == digest(staged)


@pytest.mark.parametrize("route", event_routes(ssm_prefix="apppack", bundle_bucket="b"), ids=lambda r: r.name)
def test_every_route_handler_imports_from_the_asset_alone(staged: Path, route: object) -> None:
    module, _, function = route.handler.rpartition(".")  # type: ignore[attr-defined]
    blocked = repr(UNAVAILABLE_IN_LAMBDA)
    code = f"""
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in {blocked}):
            raise ImportError(f"{{name}} is not available in Lambda")
        return None
sys.meta_path.insert(0, Block())
sys.path.insert(0, {str(staged)!r})
import {module} as handler_module
assert handler_module.__file__.startswith({str(staged)!r}), handler_module.__file__
assert callable(getattr(handler_module, {function!r}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "1", "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_an_unmapped_layer_version_fails_with_the_way_to_add_it() -> None:
    with pytest.raises(ConfigError, match=r"layer version 9999 has no entry in infra/lambda/environment.toml.*lock"):
        load_config({"powertoolsLayerVersion": 9999})


def test_the_runtime_and_layer_satisfy_the_orchestrators_lambda_requirements() -> None:
    assert unmet_requirements(DEFAULT_POWERTOOLS_LAYER_VERSION) == []
