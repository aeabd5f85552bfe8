"""A phase's `logs`, in the two forms AppPack's CLI reads (`cmd/build.go`, `app/builds.go`):

- `s3://<bucket>/<key>`: the uploaded log, read whole. The CLI finds `commit.txt` by replacing the last part
  of the build phase's pointer, so the build log and commit.txt share a folder (`<app>/<N>/`).
- `cloudwatch://<group>#<stream>`: a log to tail while the phase runs. The CLI splits at `#` and panics
  when there is none, so no other form (a console URL, `group/stream`) is ever written.

An uploaded log is final: `preferred` picks it over a stream, whatever order the events came in.
"""

from __future__ import annotations


def s3_pointer(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def cloudwatch_pointer(group: str, stream: str) -> str:
    return f"cloudwatch://{group}#{stream}"


def codebuild_stream(project: str, build_arn: str, group: str | None, stream: str | None) -> str:
    """The build's CloudWatch pointer: the event's group and stream, or CodeBuild's defaults
    (`/aws/codebuild/<project>`, the build id after `:`) when the event has not named them yet."""
    build_id = build_arn.rsplit(":", 1)[-1]
    return cloudwatch_pointer(group or f"/aws/codebuild/{project}", stream or build_id)


def _rank(pointer: str) -> int:
    return 2 if pointer.startswith("s3://") else 1 if pointer.startswith("cloudwatch://") else 0


def preferred(one: str, other: str) -> str:
    """The more final of two pointers (uploaded > stream > none); commutative, ties broken by the text."""
    return max(one, other, key=lambda pointer: (_rank(pointer), pointer))


def parse_pointer(pointer: str) -> tuple[str, str, str]:
    """`s3://b/k` → ("s3", b, k); `cloudwatch://g#s` → ("cloudwatch", g, s). ValueError for anything else."""
    if pointer.startswith("s3://"):
        bucket, _, key = pointer.removeprefix("s3://").partition("/")
        if bucket and key:
            return "s3", bucket, key
    elif pointer.startswith("cloudwatch://"):
        group, sep, stream = pointer.removeprefix("cloudwatch://").partition("#")
        if group and sep and stream:
            return "cloudwatch", group, stream
    raise ValueError(f"log pointer {pointer!r} is neither s3://<bucket>/<key> nor cloudwatch://<group>#<stream>")


def failed_phase_pointer(record: dict[str, object]) -> tuple[str, str] | None:
    """(phase, its log pointer) of the first failed phase of a build record that names a log, else None."""
    for phase in ("build", "test", "finalize", "release", "postdeploy", "deploy"):
        entry = record.get(phase)
        if isinstance(entry, dict) and entry.get("state") == "failed" and entry.get("logs"):
            return phase, str(entry["logs"])
    return None
