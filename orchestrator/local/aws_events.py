"""Builders of AWS events in the exact shapes AWS documents (see tests/fixtures/aws-events).

The simulators emit these, and the tests use them, so the handlers only ever see documented shapes.
CodeBuild times use CodeBuild's own "Sep 1, 2017 4:12:29 PM" format.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from orchestrator.events.codebuild import CODEBUILD_TIME_FORMAT

ACCOUNT = "123456789012"
CODEBUILD_PHASES = (
    "SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD",
    "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING",
)  # fmt: skip


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cb_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(CODEBUILD_TIME_FORMAT).replace(" 0", " ")


def envelope(source: str, detail_type: str, detail: dict[str, Any], *, resources: list[str], region: str,
             when: datetime | None = None, event_id: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": _iso(when or datetime.now(UTC)),
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def codebuild_build_arn(project: str, build_uuid: str, region: str) -> str:
    return f"arn:aws:codebuild:{region}:{ACCOUNT}:build/{project}:{build_uuid}"


def codebuild_phase_list(phases: list[tuple[str, str | None, datetime, datetime | None]]) -> list[dict[str, Any]]:
    """`phases`: (phase type, status or None while running, start, end)."""
    result: list[dict[str, Any]] = []
    for phase_type, status, start, end in phases:
        entry: dict[str, Any] = {"phase-context": [], "start-time": _cb_time(start), "phase-type": phase_type}
        if status is not None and end is not None:
            entry.update(
                {
                    "end-time": _cb_time(end),
                    "duration-in-seconds": int((end - start).total_seconds()),
                    "phase-status": status,
                }
            )
        result.append(entry)
    return result


def _additional_information(
    *, project: str, build_uuid: str, region: str, build_number: int, commit: str, source_version: str,
    start: datetime, phases: list[dict[str, Any]], complete: bool, variables: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    group = f"/aws/codebuild/{project}"
    return {
        "build-number": build_number,
        "resolved-source-version": commit,
        "source-version": source_version,
        "environment": {
            "image": "aws/codebuild/standard:7.0",
            "privileged-mode": True,
            "compute-type": "BUILD_GENERAL1_SMALL",
            "type": "LINUX_CONTAINER",
            "environment-variables": [
                {"name": name, "type": "PLAINTEXT", "value": value} for name, value in (variables or {}).items()
            ],
        },
        "timeout-in-minutes": 60,
        "build-complete": complete,
        "initiator": "orchestrator",
        "build-start-time": _cb_time(start),
        "source": {"type": "GITHUB", "location": f"https://github.com/example/{project}.git"},
        "logs": {
            "group-name": group,
            "stream-name": build_uuid,
            "deep-link": f"https://console.aws.amazon.com/cloudwatch/home?region={region}#logEvent:group={group};stream={build_uuid}",
        },
        "phases": phases,
    }


def codebuild_state_change(
    *, project: str, build_uuid: str, status: str, build_number: int, commit: str, region: str = "us-east-1",
    source_version: str = "main", start: datetime, phases: list[dict[str, Any]], current_phase: str,
    when: datetime | None = None, variables: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    arn = codebuild_build_arn(project, build_uuid, region)
    detail = {
        "build-status": status,
        "project-name": project,
        "build-id": arn,
        "additional-information": _additional_information(
            project=project, build_uuid=build_uuid, region=region, build_number=build_number, commit=commit,
            source_version=source_version, start=start, phases=phases, complete=status != "IN_PROGRESS",
            variables=variables,
        ),
        "current-phase": current_phase,
        "current-phase-context": "[]",
        "version": "1",
    }  # fmt: skip
    return envelope("aws.codebuild", "CodeBuild Build State Change", detail, resources=[arn], region=region, when=when)


def codebuild_phase_change(
    *, project: str, build_uuid: str, build_number: int, commit: str, region: str = "us-east-1",
    source_version: str = "main", start: datetime, phases: list[dict[str, Any]], completed_phase: str,
    status: str, phase_start: datetime, phase_end: datetime, when: datetime | None = None,
    variables: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    arn = codebuild_build_arn(project, build_uuid, region)
    detail = {
        "completed-phase": completed_phase,
        "project-name": project,
        "build-id": arn,
        "completed-phase-context": "[]",
        "additional-information": _additional_information(
            project=project, build_uuid=build_uuid, region=region, build_number=build_number, commit=commit,
            source_version=source_version, start=start, phases=phases, complete=completed_phase == "COMPLETED",
            variables=variables,
        ),
        "completed-phase-status": status,
        "completed-phase-duration-seconds": int((phase_end - phase_start).total_seconds()),
        "version": "1",
        "completed-phase-start": _cb_time(phase_start),
        "completed-phase-end": _cb_time(phase_end),
    }  # fmt: skip
    return envelope("aws.codebuild", "CodeBuild Build Phase Change", detail, resources=[arn], region=region, when=when)


def codebuild_build_events(
    *, project: str, build_uuid: str, build_number: int, commit: str, start: datetime,
    region: str = "us-east-1", source_version: str = "main", fail_phase: str | None = None,
    phase_seconds: int = 5, variables: dict[str, str] | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """The events one CodeBuild build emits, in order: IN_PROGRESS, one phase change per phase, then
    SUCCEEDED (or FAILED after `fail_phase` fails; later phases are skipped as CodeBuild does).
    `variables`: the build's plain-text environment variables, which every event carries."""
    common: dict[str, Any] = {"project": project, "build_uuid": build_uuid, "build_number": build_number, "commit": commit,
              "region": region, "source_version": source_version, "start": start, "variables": variables}  # fmt: skip
    done: list[tuple[str, str | None, datetime, datetime | None]] = []
    events = [
        codebuild_state_change(
            **common, status="IN_PROGRESS", current_phase="SUBMITTED", when=start,
            phases=codebuild_phase_list([("SUBMITTED", None, start, None)]),
        )
    ]  # fmt: skip
    moment = start
    status = "SUCCEEDED"
    for phase in CODEBUILD_PHASES:
        end = moment.fromtimestamp(moment.timestamp() + phase_seconds, UTC)
        phase_status = "FAILED" if phase == fail_phase else "SUCCEEDED"
        done.append((phase, phase_status, moment, end))
        events.append(
            codebuild_phase_change(
                **common, completed_phase=phase, status=phase_status, phase_start=moment, phase_end=end, when=end,
                phases=codebuild_phase_list(done),
            )
        )  # fmt: skip
        moment = end
        if phase == fail_phase:
            status = "FAILED"
            break
    final_phases = codebuild_phase_list([*done, ("COMPLETED", None, moment, None)])
    events.append(
        codebuild_state_change(**common, status=status, current_phase="COMPLETED", phases=final_phases, when=moment)
    )
    return events
