"""cdk-nag (v3) AwsSolutions pack: zero unacknowledged errors and warnings, each acknowledgment reasoned.

cdk-nag v3 runs as a CDK validation plugin (`Validations.of(app).add_plugins(...)`): findings fail the synth
and are written to policy-validation-report.json; acknowledgments are `Validations.of(c).acknowledge(...)`
and are recorded in the construct tree's metadata.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_s3 as s3

from infra.nag import REPORT_CONTEXT, add_nag_checks
from tests.infra.conftest import Synth


def violations(report: dict[str, Any] | None) -> list[str]:
    if not report:
        return []
    return [
        f"{v['severity']} {v['ruleName']}: {', '.join(r['constructPath'] for r in v['violatingResources'])}"
        for plugin in report.get("pluginReports", [])
        for v in plugin.get("violations", [])
    ]


def test_no_unacknowledged_errors_or_warnings(synth: Synth) -> None:
    assert violations(synth.report) == []
    assert synth.error is None, synth.error
    assert {"Orchestrator", "OrchestratorNetwork", "OrchestratorApp-shop", "OrchestratorApp-review"} <= set(
        synth.templates
    )


def test_the_pack_really_runs(tmp_path: Path) -> None:
    """The same wiring flags a bare bucket, and an acknowledgment silences exactly its rule."""
    app = App(outdir=str(tmp_path), context=REPORT_CONTEXT)
    stack = Stack(app, "Probe")
    bucket = s3.Bucket(stack, "Bare")
    Validations.of(bucket).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason="probe"))
    add_nag_checks(app)
    with contextlib.suppress(RuntimeError):  # the findings fail the synth, as intended
        app.synth()
    found = violations(json.loads((tmp_path / "policy-validation-report.json").read_text()))
    assert any("AwsSolutions-S10" in v for v in found), found  # SSL not enforced
    assert not any("AwsSolutions-S1:" in v for v in found), found


def acknowledgments(synth: Synth) -> list[tuple[str, str, str]]:
    """(construct path, rule, reason) of every AwsSolutions acknowledgment, from the stacks' metadata."""
    found = []
    for metadata_file in synth.outdir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry["type"] == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                    for rule, reason in entry["data"].items():
                        if "AwsSolutions-" in rule:
                            found.append((path, rule, reason))
    return found


def test_every_acknowledgment_has_a_specific_reason(synth: Synth) -> None:
    recorded = acknowledgments(synth)
    assert len(recorded) >= 10, recorded
    for path, rule, reason in recorded:
        assert len(reason) >= 60, (path, rule, reason)
    # The one blanket-looking acknowledgment (Resource::*) is only used where an API has no resource type.
    blanket = {path for path, rule, _ in recorded if rule.endswith("[Resource::*]")}
    assert all(
        any(part in path for part in ("HandlerRole", "ExecutionRole", "Build/Role", "UsersRole", "BucketNotifications"))
        for path in blanket
    ), blanket
