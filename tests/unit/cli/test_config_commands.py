"""`orchestrator config`: what a mistake leaves behind (nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.cli.conftest import Cli, one_line_error


@pytest.mark.usefixtures("shop")
def test_unset_with_one_unknown_name_unsets_nothing(cli: Cli) -> None:
    assert cli("config", "set", "A=1", "B=2", "-a", "shop").code == 0
    line = one_line_error(cli("config", "unset", "A", "NOPE", "-a", "shop"), 1)
    assert line.endswith("not set: NOPE; nothing was unset")
    assert sorted(json.loads(cli("config", "list", "-a", "shop", "--json").stdout)["variables"]) == ["A", "B"]
    assert cli("config", "unset", "A", "-a", "shop").code == 0
    assert sorted(json.loads(cli("config", "list", "-a", "shop", "--json").stdout)["variables"]) == ["B"]


@pytest.mark.usefixtures("shop")
def test_import_with_a_bad_name_sets_nothing(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "vars.json"
    file.write_text(json.dumps({"GOOD": "1", "1BAD": "2"}))
    assert "'1BAD' is not a valid variable name" in one_line_error(cli("config", "import", str(file), "-a", "shop"), 2)
    assert sorted(json.loads(cli("config", "list", "-a", "shop", "--json").stdout)["variables"]) == []
