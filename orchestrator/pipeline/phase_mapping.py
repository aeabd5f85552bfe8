"""How CodeBuild's own phases map onto the record's `build`, `test` and `finalize` phases.

    build    = SUBMITTED, QUEUED, PROVISIONING, DOWNLOAD_SOURCE, INSTALL, PRE_BUILD, BUILD
    test     = POST_BUILD           (the buildspec runs the app's tests after the image is built)
    finalize = UPLOAD_ARTIFACTS, FINALIZING

A record phase is `started` once any of its CodeBuild phases is seen, `failed` if any of them failed
(or the build ended unsuccessfully while it was open), and `succeeded` when its last CodeBuild phase
succeeded or the whole build did. Its start and end span its CodeBuild phases.
"""

from __future__ import annotations

from orchestrator.pipeline.records import CodeBuildPhaseRecord, Phase, PhaseState

PHASE_GROUPS: dict[str, tuple[str, ...]] = {
    "build": ("SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD"),
    "test": ("POST_BUILD",),
    "finalize": ("UPLOAD_ARTIFACTS", "FINALIZING"),
}
FAILED_BUILD_STATUSES = frozenset({"FAILED", "FAULT", "STOPPED", "TIMED_OUT"})
TERMINAL_BUILD_STATUSES = FAILED_BUILD_STATUSES | {"SUCCEEDED"}


# The log each record phase points at once POST_BUILD (the buildspec's upload) has succeeded.
UPLOADED_LOGS = {"build": "build.log", "test": "test.log", "finalize": "build.log"}


def derive_record_phases(
    codebuild_phases: dict[str, CodeBuildPhaseRecord], build_status: str | None, logs: str, artifacts: str = ""
) -> dict[str, Phase]:
    """The record phases from CodeBuild's. `logs` is the build's CloudWatch pointer; `artifacts` the build's
    artifact folder (`s3://…/<app>/<N>`), whose logs replace it once uploaded."""
    post_build = codebuild_phases.get("POST_BUILD")
    uploaded = bool(artifacts) and post_build is not None and post_build.status == "SUCCEEDED"
    derived: dict[str, Phase] = {}
    for name, members in PHASE_GROUPS.items():
        seen = [codebuild_phases[m] for m in members if m in codebuild_phases]
        if not seen and build_status != "SUCCEEDED":
            continue
        statuses = {p.status for p in seen}
        failed_member = sorted(s for s in statuses if s is not None and s != "SUCCEEDED")
        last = codebuild_phases.get(members[-1])
        if failed_member:
            state = PhaseState.FAILED
        elif build_status == "SUCCEEDED" or (last is not None and last.status == "SUCCEEDED"):
            state = PhaseState.SUCCEEDED
        elif build_status in FAILED_BUILD_STATUSES:
            state = PhaseState.FAILED  # the build ended while this phase was open: close it
        else:
            state = PhaseState.STARTED
        starts = [p.start for p in seen if p.start is not None]
        ends = [p.end for p in seen if p.end is not None]
        closed = state is not PhaseState.STARTED
        error = f"CodeBuild phase {failed_member[0]}" if failed_member else None
        if state is PhaseState.FAILED and error is None:
            error = f"build {build_status} during this phase"
        derived[name] = Phase(
            logs=f"{artifacts}/{UPLOADED_LOGS[name]}" if uploaded else logs,
            start=min(starts) if starts else None,
            end=max(ends) if closed and ends else None,
            state=state,
            error=error,
        )
    return derived
