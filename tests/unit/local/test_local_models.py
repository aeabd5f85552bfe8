"""Pure parts of the emulator: Procfile → apppack.toml, behaviour rules, scenario files."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from orchestrator.local.apppack import ProcfileError, apppack_toml, parse_procfile, sample_procfile
from orchestrator.local.behaviour import Behaviour, TaskRule
from orchestrator.local.scenarios import Step, load_scenario, shipped_scenarios


def test_the_sample_procfile_becomes_services_and_a_release_command() -> None:
    toml = tomllib.loads(apppack_toml(parse_procfile(sample_procfile()), "./seed"))
    assert set(toml["services"]) == {"web", "worker"}
    assert toml["services"]["web"]["command"].startswith("gunicorn")
    assert toml["deploy"]["release_command"] == "python manage.py migrate --noinput"
    assert toml["review_app"]["initialize_command"] == "./seed"


def test_quotes_and_backslashes_survive_the_toml_round_trip() -> None:
    command = 'sh -c "echo \\"hi\\" \\\\ done"'
    toml = tomllib.loads(apppack_toml({"web": command}))
    assert toml["services"]["web"]["command"] == command
    assert "deploy" not in toml


def test_a_broken_procfile_line_is_named() -> None:
    with pytest.raises(ProcfileError, match="line 2"):
        parse_procfile("web: run\nthis is not a process\n")


def test_the_first_matching_rule_wins_and_unset_selectors_match_anything() -> None:
    behaviour = Behaviour(tasks=[TaskRule(build=2, process="release", exit_code=3), TaskRule(exit_code=1)])
    assert behaviour.task("shop", 2, "release").exit_code == 3
    assert behaviour.task("shop", 1, "release").exit_code == 1
    assert Behaviour().task("shop", 1, "release").exit_code == 0
    assert Behaviour().deployment("shop", 1, "web").outcome == "completed"


def test_a_step_has_exactly_one_action() -> None:
    with pytest.raises(ValidationError, match="exactly one action"):
        Step.model_validate({"build": {}, "advance": 2})
    with pytest.raises(ValidationError, match="exactly one action"):
        Step.model_validate({})


def test_every_shipped_scenario_loads() -> None:
    for name in shipped_scenarios():
        assert load_scenario(name).name == name
