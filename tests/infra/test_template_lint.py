"""The template linters: cfn-lint over this session's synthesized templates finds nothing the committed
baseline does not accept (checkov runs in `make lint`, from its own environment), the baseline judge
rejects what it should, and cdk.json sets every feature flag the installed aws-cdk-lib recommends."""

from __future__ import annotations

import json
import shutil
import sys
import tarfile
from pathlib import Path

import aws_cdk

from infra.template_lint import Accepted, Finding, cfn_lint_findings, judge, load_baseline, templates_in
from tests.infra.conftest import Synth

# Set to a value other than the recommended one, on purpose (README, "Deployment").
NOT_RECOMMENDED = {"@aws-cdk/core:defaultCrossStackReferences": "strong"}


def test_cfn_lint_finds_only_what_the_baseline_accepts(synth: Synth) -> None:
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent))
    assert cfn_lint, "cfn-lint is in the dev extra"
    findings = cfn_lint_findings(templates_in(synth.outdir), [cfn_lint])
    verdict = judge(findings, load_baseline(), tools=["cfn-lint"])
    assert verdict.unaccepted == [], "\n".join(map(str, verdict.unaccepted))
    assert verdict.stale == []


def test_judge_rejects_unknown_findings_and_stale_entries() -> None:
    baseline = [
        Accepted("checkov", "CKV_AWS_117", "*", "Route*", "reason"),
        Accepted("checkov", "CKV_AWS_158", "Orchestrator", "*", "reason"),
        Accepted("cfn-lint", "W3005", "*", "*", "reason"),
    ]
    findings = [
        Finding("checkov", "CKV_AWS_117", "Orchestrator", "RoutecodebuildFunction0B9B5AFC"),
        Finding("checkov", "CKV_AWS_117", "Orchestrator", "OtherFunction"),  # resource glob does not match
        Finding("checkov", "CKV_AWS_158", "OrchestratorApp-shop", "TaskLogs"),  # stack glob does not match
    ]
    verdict = judge(findings, baseline, tools=["checkov"])
    assert [(f.rule, f.resource) for f in verdict.unaccepted] == [
        ("CKV_AWS_117", "OtherFunction"),
        ("CKV_AWS_158", "TaskLogs"),
    ]
    assert [a.rule for a in verdict.stale] == ["CKV_AWS_158"]  # cfn-lint did not run: its entry is not stale


def test_every_baseline_entry_has_a_reason() -> None:
    assert all(len(entry.reason) > 40 for entry in load_baseline())


def test_cdk_json_sets_every_recommended_feature_flag() -> None:
    bundle = next(Path(aws_cdk.__file__).parent.joinpath("_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
    with tarfile.open(bundle) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        recommended = json.load(member)
    context = json.loads(Path("cdk.json").read_text())["context"]
    expected = {**recommended, **NOT_RECOMMENDED}
    assert {k: context.get(k) for k in expected} == expected
