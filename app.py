#!/usr/bin/env python3
"""CDK entry point: `cdk synth` / `cdk deploy`, or `.venv/bin/python app.py` (make synth) offline.

Stacks: OrchestratorNetwork (VPC, cluster), Orchestrator (handlers, rules, table, buckets, DLQ) and one
OrchestratorApp-<name> per app declared in the context (`apps`, `appsFile`). cdk-nag's AwsSolutions pack
runs as a validation plugin: any unacknowledged finding fails the synth.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk import App

from infra import build
from infra.nag import REPORT_CONTEXT, add_nag_checks


def cdk_json_context() -> dict[str, Any]:
    """The `cdk` CLI passes cdk.json's context itself; run directly, read it here (same precedence: none)."""
    if "CDK_CONTEXT_JSON" in os.environ or "CDK_CONTEXT_FILE" in os.environ:
        return {}
    cdk_json = Path(__file__).with_name("cdk.json")
    context: dict[str, Any] = json.loads(cdk_json.read_text()).get("context", {})
    return context


def main() -> None:
    # `cdk` sets CDK_OUTDIR; run directly (make synth), the templates go to ./cdk.out.
    app = App(context={**cdk_json_context(), **REPORT_CONTEXT}, outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
    build(app)
    add_nag_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
