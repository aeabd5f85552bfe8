"""Deployment configuration from the CDK context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.config import DEFAULT_POWERTOOLS_LAYER_VERSION, ConfigError, load_config


def test_defaults() -> None:
    config = load_config({})
    assert config.apps == ()
    assert config.ssm_prefix == "apppack"
    assert config.powertools_layer_version == DEFAULT_POWERTOOLS_LAYER_VERSION
    assert config.nat_gateways == 0


def test_apps_from_cli_json_string_and_from_file(tmp_path: Path) -> None:
    (tmp_path / "apps.json").write_text(json.dumps({"apps": [{"name": "billing", "kind": "pipeline"}]}))
    config = load_config(
        {"apps": '[{"name": "myapp"}]', "appsFile": "apps.json", "powertoolsLayerVersion": "27"}, base=tmp_path
    )
    assert [(a.name, a.kind) for a in config.apps] == [("myapp", "app"), ("billing", "pipeline")]
    assert config.powertools_layer_version == 27


def test_apps_file_may_be_a_plain_list(tmp_path: Path) -> None:
    (tmp_path / "apps.json").write_text(json.dumps([{"name": "web"}]))
    assert [a.name for a in load_config({"appsFile": str(tmp_path / "apps.json")}).apps] == ["web"]


def test_environment_from_context_or_cdk_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "111111111111")
    monkeypatch.setenv("CDK_DEFAULT_REGION", "eu-west-1")
    config = load_config({"region": "us-east-2"})
    assert (config.account, config.region) == ("111111111111", "us-east-2")


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"apps": '[{"name": "Bad Name"}]'}, "name"),
        ({"apps": '[{"name": "config"}]'}, "reserved"),
        ({"apps": '[{"name": "a1"}, {"name": "a1"}]'}, "more than once"),
        ({"apps": '[{"name": "ok", "colour": "red"}]'}, "colour"),
        ({"apps": "{not json"}, "not valid JSON"),
        ({"apps": '{"name": "x"}'}, "must be a list"),
        ({"ssmPrefix": "a/b"}, "ssm_prefix"),
        ({"apps": '[{"name": "ok", "repository": "git@github.com:a/b"}]'}, "repository"),
        ({"appsFile": "/nonexistent/apps.json"}, "appsFile"),
    ],
)
def test_invalid_context_is_a_clear_error(context: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(context)
