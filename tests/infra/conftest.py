"""Synthesize the whole CDK app once per session, with cdk-nag's AwsSolutions pack as a validation plugin.

The app is built with cdk.json's feature flags by the same `infra.build()` that app.py uses, from a test context: a container app with a
GitHub repository, a pipeline without one, the optional GitHub webhook receiver, and a non-default SSM prefix (so nothing can pass by accident
on the `apppack` default). Templates are read from the cloud assembly, so they are available even when
cdk-nag fails the synth; the nag test then reports the findings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk import App
from aws_cdk.assertions import Template

from infra import Stacks, build
from infra.nag import REPORT_CONTEXT, add_nag_checks

SSM_PREFIX = "acme"
APPS = [
    {"name": "shop", "repository": "https://github.com/acme/shop", "branch": "main"},
    {"name": "review", "kind": "pipeline"},
]
# The feature flags the real synth runs with (cdk.json), so the tests see the templates `cdk deploy` would send.
FEATURE_FLAGS: dict[str, Any] = {
    k: v for k, v in json.loads(Path("cdk.json").read_text())["context"].items() if k.startswith("@aws-cdk")
}
# githubWebhook: the optional receiver is in every template the tests check, cdk-nag and the moto deploy included.
CONTEXT: dict[str, Any] = {**FEATURE_FLAGS, "apps": APPS, "ssmPrefix": SSM_PREFIX, "githubWebhook": True}


@dataclass
class Synth:
    stacks: Stacks
    outdir: Path
    error: str | None
    report: dict[str, Any] | None
    templates: dict[str, dict[str, Any]]

    def template(self, stack_name: str) -> Template:
        return Template.from_json(self.templates[stack_name])

    def resources(self, stack_name: str, resource_type: str) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.templates[stack_name]["Resources"]
        return {k: v for k, v in resources.items() if v["Type"] == resource_type}


def synthesize(outdir: Path, context: dict[str, Any]) -> Synth:
    """The CDK app of `context`, built as app.py builds it, with cdk-nag; templates read even when nag fails."""
    app = App(outdir=str(outdir), context={**context, **REPORT_CONTEXT})
    stacks = build(app)
    add_nag_checks(app)
    error = None
    try:
        app.synth()
    except RuntimeError as exc:  # cdk-nag findings fail the synth; the report says which
        error = str(exc)
    report_file = outdir / "policy-validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else None
    templates = {
        p.name.removesuffix(".template.json"): json.loads(p.read_text()) for p in outdir.glob("*.template.json")
    }
    return Synth(stacks=stacks, outdir=outdir, error=error, report=report, templates=templates)


@contextmanager
def no_default_environment() -> Iterator[None]:
    """Environment-agnostic stacks, whatever the shell exports."""
    saved = {k: os.environ.pop(k) for k in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION") if k in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    with no_default_environment():
        yield synthesize(tmp_path_factory.mktemp("cdk.out"), CONTEXT)


def render(value: Any) -> str:
    """A CloudFormation value as one string: `Fn::Join` concatenated, intrinsics as `<...>` placeholders."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Fn::Join":
            return str(argument[0]).join(render(p) for p in argument[1])
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::ImportValue":
            return f"<import:{render(argument)}>"
    return json.dumps(value, sort_keys=True)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
