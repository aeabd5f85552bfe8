"""Run a buildspec (version 0.2) on this machine the way CodeBuild runs it, with `docker`, `pack` and `aws`
replaced by shims that record their calls and write to moto (orchestrator/local/build_shims.py).

CodeBuild's rules kept here (docs: "Build specification reference", "Build phase transitions"):
- phases run in order install, pre_build, build, post_build; each phase's commands run one after another
  with `env.shell`, and a failing command ends its phase;
- a failed install or pre_build ends the build (post_build does not run); a failed build still runs
  post_build, with CODEBUILD_BUILD_SUCCEEDING=0; a failed post_build fails the build;
- variables: the buildspec's `env.variables`, overridden by the project's; plus CodeBuild's own
  (CODEBUILD_BUILD_NUMBER, CODEBUILD_BUILD_ID, CODEBUILD_RESOLVED_SOURCE_VERSION, CODEBUILD_SRC_DIR, ...);
- as with v0.2 on CodeBuild, exported variables and the working directory carry over from one command
  to the next.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PHASES = ("install", "pre_build", "build", "post_build")
ENDS_BUILD = ("install", "pre_build")  # a failure here skips straight to the end
SHIMMED = ("docker", "pack", "aws")
# What CodeBuild puts on PATH that the buildspec uses unshimmed (python3 for apppack.toml, coreutils...).
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
# Saved after each command and restored before the next: exported variables and the directory.
_SAVE_STATE = """trap '{ export -p | grep -v -E "^declare -x (OLDPWD|PWD|SHLVL|_)="; printf "cd %q\\n" "$PWD"; } > "$BUILD_RUNNER_STATE"' EXIT
"""


@dataclass(frozen=True)
class PhaseResult:
    name: str
    status: str  # SUCCEEDED | FAILED
    exit_code: int


@dataclass
class BuildRun:
    status: str  # SUCCEEDED | FAILED
    phases: list[PhaseResult]
    log: str
    calls: list[dict[str, Any]] = field(default_factory=list)

    def phase(self, name: str) -> PhaseResult | None:
        return next((p for p in self.phases if p.name == name), None)


def _write_shims(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for tool in SHIMMED:
        shim = directory / tool
        shim.write_text(f"#!{sys.executable}\nfrom orchestrator.local.build_shims import main\nmain({tool!r})\n")
        shim.chmod(0o755)


def build_environment(
    spec: Mapping[str, Any],
    project_variables: Mapping[str, str],
    *,
    build_number: int,
    build_id: str,
    source_version: str,
    resolved_source_version: str,
    region: str,
    source_dir: Path,
) -> dict[str, str]:
    variables = {str(k): str(v) for k, v in (spec.get("env", {}).get("variables") or {}).items()}
    variables.update(project_variables)
    variables.update({
        "CODEBUILD_BUILD_NUMBER": str(build_number),
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_ARN": f"arn:aws:codebuild:{region}:123456789012:build/{build_id}",
        "CODEBUILD_SOURCE_VERSION": source_version,
        "CODEBUILD_RESOLVED_SOURCE_VERSION": resolved_source_version,
        "CODEBUILD_SRC_DIR": str(source_dir),
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    })  # fmt: skip
    return variables


def run_buildspec(
    spec: Mapping[str, Any],
    source: Path,
    workdir: Path,
    variables: Mapping[str, str],
    *,
    aws_environment: Mapping[str, str],
) -> BuildRun:
    """Run `spec` over a copy of `source` in `workdir`. `variables` is what the build sees (see
    `build_environment`); `aws_environment` (endpoint, credentials) is given to the shims only."""
    if str(spec.get("version")) != "0.2":
        raise ValueError(f"buildspec version {spec.get('version')!r}: only 0.2 is supported")
    shell = spec.get("env", {}).get("shell", "bash")
    source_dir = Path(variables.get("CODEBUILD_SRC_DIR") or workdir / "src")
    shutil.copytree(source, source_dir)
    shims, state = workdir / "shims", workdir / "shim-state"
    _write_shims(shims)
    state.mkdir()
    session = workdir / "session.sh"
    session.write_text("".join(f"export {k}={_quote(v)}\n" for k, v in variables.items()) + f"cd {_quote(str(source_dir))}\n")
    log_path = workdir / "build.log"
    base = {"PATH": f"{shims}:{SYSTEM_PATH}", "HOME": str(workdir), "BUILD_SHIM_STATE": str(state),
            "BUILD_RUNNER_STATE": str(session), **aws_environment}  # fmt: skip
    phases: list[PhaseResult] = []
    succeeding = True
    with log_path.open("w") as log:
        for name in PHASES:
            if phases and phases[-1].status == "FAILED" and phases[-1].name in ENDS_BUILD:
                break
            commands = (spec.get("phases", {}).get(name) or {}).get("commands") or []
            if not commands:
                continue
            log.write(f"[Container] Entering phase {name.upper()}\n")
            code = 0
            for command in commands:
                log.write(f"[Container] Running command {command.splitlines()[0]}\n")
                log.flush()
                script = f"source {_quote(str(session))}\n{_post_build_flag(name, succeeding)}{_SAVE_STATE}{command}\n"
                code = subprocess.run([shell, "-c", script], env=base, stdout=log, stderr=subprocess.STDOUT,
                                      check=False).returncode  # fmt: skip
                if code != 0:
                    log.write(f"[Container] Command did not exit successfully {command.splitlines()[0]} exit status {code}\n")
                    break
            phases.append(PhaseResult(name, "SUCCEEDED" if code == 0 else "FAILED", code))
            succeeding = succeeding and code == 0
            log.write(f"[Container] Phase complete: {name.upper()} State: {phases[-1].status}\n")
    calls_file = state / "calls.jsonl"
    calls = [json.loads(line) for line in calls_file.read_text().splitlines()] if calls_file.exists() else []
    return BuildRun("SUCCEEDED" if succeeding else "FAILED", phases, log_path.read_text(), calls)


def _post_build_flag(phase: str, succeeding: bool) -> str:
    return f"export CODEBUILD_BUILD_SUCCEEDING={int(succeeding)}\n" if phase == "post_build" else ""


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"
