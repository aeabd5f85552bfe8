"""The CLI's settings are its options (typer reads their variables); the functions' are the pydantic-settings
model. Both take their variable names and defaults from `setting_names`, and the CLI hands the adapters its
values without building the model. Mechanisms are checked in fresh interpreters; times are `make bench`'s."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer

from orchestrator import setting_names as names
from orchestrator.cli.main import build_app
from orchestrator.settings import AdapterSettings, Settings
from tests.unit.cli.conftest import Cli, one_line_error

# Global option → the settings model's field it stands for.
OPTION_FIELDS = {
    "endpoint_url": "endpoint_url",
    "region": "region",
    "table_name": "table_name",
    "ssm_prefix": "ssm_prefix",
    "cluster_name": "cluster_name",
    "max_attempts": "aws_max_attempts",
    "local_state_dir": "local_state_dir",
    "xdg_state_home": "xdg_state_home",
}


def _global_options() -> dict[str, typer.core.TyperOption]:
    command = typer.main.get_command(build_app("ps"))
    return {p.name: p for p in command.params if isinstance(p, typer.core.TyperOption) and p.name in OPTION_FIELDS}


@pytest.mark.parametrize(("option", "field"), sorted(OPTION_FIELDS.items()))
def test_each_option_reads_the_models_variable_with_the_models_default(option: str, field: str) -> None:
    found = _global_options()[option]
    model_field = Settings.model_fields[field]
    alias = model_field.validation_alias
    assert found.envvar == (alias if isinstance(alias, str) else names.variable(field))
    assert found.default == model_field.default


def test_the_adapters_need_only_fields_the_model_has() -> None:
    assert set(AdapterSettings.__dataclass_fields__) <= set(Settings.model_fields)


PROBE = """
import json, sys
from orchestrator.settings import AdapterSettings, adapter_settings, configure, get_settings, use_explicit
use_explicit(AdapterSettings("t", "p", "c", "eu-west-1", "http://127.0.0.1:9", 1))
before = "pydantic_settings" in sys.modules
explicit = adapter_settings()
configure(table_name="other")  # the emulator and tests still override, also over explicit values
print(json.dumps({"loaded_before": before, "table": explicit.table_name, "after": adapter_settings().table_name,
                  "model": get_settings().table_name, "model_region": get_settings().region}))
"""


def test_explicit_settings_reach_the_adapters_without_the_model() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(result.stdout) == {
        "loaded_before": False, "table": "t", "after": "other", "model": "other", "model_region": "eu-west-1"
    }  # fmt: skip


def test_table_and_prefix_come_from_their_variables(cli: Cli, shop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(names.variable("table_name"), "not-the-table")
    line = one_line_error(cli("build", "list", "-a", shop), 1)
    assert "ResourceNotFoundException" in line or "not found" in line.lower()
    monkeypatch.delenv(names.variable("table_name"))
    monkeypatch.setenv(names.variable("ssm_prefix"), "bad/prefix")
    assert "--ssm-prefix" in one_line_error(cli("build", "list", "-a", shop), 2)


DEMO_PROBE = """
import io, json, os, sys
heavy = ("boto3", "botocore", "moto", "pydantic", "pydantic_settings", "aws_lambda_powertools")

class FirstLine(io.TextIOBase):
    def write(self, text):
        loaded = sorted({name.split(".")[0] for name in sys.modules} & set(heavy))
        sys.__stderr__.write(json.dumps({"line": text, "loaded": loaded}) + "\\n")
        sys.__stderr__.flush()
        os._exit(0)

sys.stdout = FirstLine()
sys.argv = ["orchestrator", "demo"]
from orchestrator.cli.main import main
main()
"""


def test_demo_prints_its_first_line_before_the_aws_sdk_loads(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-c", DEMO_PROBE], capture_output=True, text=True, check=False, timeout=120,
        env={"PATH": "/usr/bin:/bin", "ORCHESTRATOR_LOCAL_STATE_DIR": str(tmp_path)},
    )  # fmt: skip
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["line"].startswith("starting the embedded AWS")
    assert report["loaded"] == []
