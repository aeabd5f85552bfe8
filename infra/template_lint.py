"""Lint the synthesized templates (cdk.out) with cfn-lint and checkov, against a committed baseline.

Every finding must match an entry of `template-lint-baseline.yaml`, and every entry carries the reason the
finding is kept. A finding no entry covers fails the lint, and so does an entry that no longer matches any
finding (the baseline shrinks with the templates, it never silently keeps dead acknowledgments).

    python -m infra.template_lint cdk.out --checkov "uvx --from checkov==3.3.30 checkov"

checkov runs from its own environment: it pins boto3 to an exact old release, which would downgrade the
boto3 the suite and moto run against (README, "Deployment").
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import shlex
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BASELINE = Path(__file__).with_name("template-lint-baseline.yaml")


@dataclass(frozen=True, order=True)
class Finding:
    tool: str
    rule: str
    stack: str  # template file name without `.template.json`
    resource: str  # logical id
    message: str = ""

    def __str__(self) -> str:
        return f"{self.tool} {self.rule} {self.stack}/{self.resource}: {self.message}"


@dataclass(frozen=True)
class Accepted:
    tool: str
    rule: str
    stack: str  # glob
    resource: str  # glob
    reason: str

    def matches(self, finding: Finding) -> bool:
        return (
            self.tool == finding.tool
            and self.rule == finding.rule
            and fnmatch.fnmatchcase(finding.stack, self.stack)
            and fnmatch.fnmatchcase(finding.resource, self.resource)
        )


class BaselineError(ValueError):
    pass


def load_baseline(path: Path = BASELINE) -> list[Accepted]:
    entries = yaml.safe_load(path.read_text()) or []
    accepted = []
    for number, entry in enumerate(entries, 1):
        missing = {"tool", "rule", "resource", "reason"} - set(entry)
        if missing or not str(entry.get("reason", "")).strip():
            raise BaselineError(f"{path.name} entry {number}: needs tool, rule, resource and a reason")
        accepted.append(
            Accepted(entry["tool"], entry["rule"], entry.get("stack", "*"), entry["resource"], entry["reason"])
        )
    return accepted


@dataclass(frozen=True)
class Verdict:
    unaccepted: list[Finding]
    stale: list[Accepted]

    @property
    def ok(self) -> bool:
        return not self.unaccepted and not self.stale


def judge(findings: Iterable[Finding], baseline: Sequence[Accepted], tools: Iterable[str]) -> Verdict:
    """Which findings no entry accepts, and which entries (of the tools that ran) accept nothing."""
    findings = sorted(set(findings))
    ran = set(tools)
    unaccepted = [f for f in findings if not any(a.matches(f) for a in baseline)]
    stale = [a for a in baseline if a.tool in ran and not any(a.matches(f) for f in findings)]
    return Verdict(unaccepted, stale)


def _stack(filename: str) -> str:
    return Path(filename).name.removesuffix(".template.json")


def cfn_lint_findings(templates: Sequence[Path], command: Sequence[str] = ("cfn-lint",)) -> list[Finding]:
    result = subprocess.run(
        [*command, "--format", "json", *map(str, templates)], capture_output=True, text=True, check=False
    )
    # Exit status is a bit mask of error (2), warning (4) and informational (8) findings; 1 means it crashed.
    if result.returncode & 1:
        raise RuntimeError(f"cfn-lint failed to run: {result.stderr.strip()[-2000:]}")
    if not result.stdout.strip():
        return []
    findings = []
    for item in json.loads(result.stdout):
        path = item["Location"]["Path"]
        resource = str(path[1]) if len(path) > 1 and path[0] == "Resources" else "/".join(map(str, path[:2]))
        findings.append(
            Finding("cfn-lint", item["Rule"]["Id"], _stack(item["Filename"]), resource, item["Message"])
        )
    return findings


def checkov_findings(cdk_out: Path, command: Sequence[str]) -> list[Finding]:
    result = subprocess.run(
        [*command, "--directory", str(cdk_out), "--framework", "cloudformation", "--output", "json",
         "--skip-download", "--quiet", "--compact"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        reports: Any = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise RuntimeError(f"checkov failed to run: {result.stderr.strip()[-2000:]}") from error
    findings = []
    for report in reports if isinstance(reports, list) else [reports]:
        for check in report.get("results", {}).get("failed_checks", []):
            _type, _, logical_id = str(check["resource"]).rpartition(".")
            findings.append(
                Finding("checkov", check["check_id"], _stack(check["file_path"]), logical_id, check["check_name"])
            )
    return findings


def templates_in(cdk_out: Path) -> list[Path]:
    templates = sorted(cdk_out.glob("*.template.json"))
    if not templates:
        raise FileNotFoundError(f"no *.template.json in {cdk_out}: synthesize first (make synth)")
    return templates


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cdk_out", type=Path)
    parser.add_argument("--cfn-lint", default="cfn-lint", help="command that runs cfn-lint ('' to skip)")
    parser.add_argument("--checkov", default="checkov", help="command that runs checkov ('' to skip)")
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    args = parser.parse_args(argv)
    try:
        templates = templates_in(args.cdk_out)
        baseline = load_baseline(args.baseline)
        findings: list[Finding] = []
        tools = []
        if args.cfn_lint:
            findings += cfn_lint_findings(templates, shlex.split(args.cfn_lint))
            tools.append("cfn-lint")
        if args.checkov:
            findings += checkov_findings(args.cdk_out, shlex.split(args.checkov))
            tools.append("checkov")
    except (OSError, RuntimeError, BaselineError) as error:
        print(f"template lint: {error}", file=sys.stderr)
        return 2
    verdict = judge(findings, baseline, tools)
    for finding in verdict.unaccepted:
        print(f"not in the baseline: {finding}", file=sys.stderr)
    for entry in verdict.stale:
        print(f"stale baseline entry (matches nothing): {entry.tool} {entry.rule} {entry.stack}/{entry.resource}",
              file=sys.stderr)  # fmt: skip
    accepted = len(set(findings)) - len(verdict.unaccepted)
    print(f"template lint ({', '.join(tools)}): {len(templates)} templates, {accepted} findings accepted by the "
          f"baseline, {len(verdict.unaccepted)} not, {len(verdict.stale)} stale entries")  # fmt: skip
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
