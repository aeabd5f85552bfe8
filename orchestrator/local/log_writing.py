"""What the simulated builds and tasks write to (moto's) CloudWatch Logs, where AWS would write it:

- a build: CodeBuild's group `/aws/codebuild/<project>`, stream `<build uuid>`, one `[Container]` line per
  phase as CodeBuild writes them, and the failing command's lines when a phase fails;
- a task: the app's group, stream `<app>-<process>/<container>/<task id>` (the awslogs driver's naming),
  one line when it starts and one when it exits (until the emulator runs the app's processes for real).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestrator.adapters.cloudwatch_logs import write_lines


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def codebuild_lines(event: dict[str, Any], at: datetime) -> list[tuple[int, str]]:
    """The lines CodeBuild writes when `event` (a build or phase state change) happens."""
    detail = event["detail"]
    stamp = at.strftime("%Y/%m/%d %H:%M:%S")
    phase, status = detail.get("completed-phase"), detail.get("completed-phase-status")
    if phase is None:
        return [(_ms(at), f"[Container] {stamp} Build {detail.get('build-status', '').lower()}")]
    lines = [f"[Container] {stamp} Phase complete: {phase} State: {status}"]
    if status == "FAILED":
        lines = [
            f"[Container] {stamp} Running command ./build.sh {phase.lower()}",
            f"ERROR: {phase.lower()} failed: command exited with code 1",
            f"[Container] {stamp} Command did not exit successfully ./build.sh {phase.lower()} exit status 1",
            *lines,
            f"[Container] {stamp} Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while "
            f"executing command: ./build.sh {phase.lower()}. Reason: exit status 1",
        ]
    return [(_ms(at), line) for line in lines]


def write_build_log(project: str, build_uuid: str, event: dict[str, Any], at: datetime) -> None:
    write_lines(f"/aws/codebuild/{project}", build_uuid, codebuild_lines(event, at))


def write_task_line(group: str, stream: str, at: datetime, message: str) -> None:
    write_lines(group, stream, [(_ms(at), message)])
