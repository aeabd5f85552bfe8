"""The CodeBuild buildspec of every container app.

1. `apppack.toml` comes from the repository, or is generated from the Procfile (`release:` becomes
   `[deploy] release_command`, `postdeploy:` `[review_app] initialize_command`, every other process
   `[services.<name>] command`).
2. The image is built with the Dockerfile when there is one, otherwise with Cloud Native Buildpacks
   (`pack build` with the heroku/builder:24 builder).
3. It is pushed once, as `build-<N>`. The repository's tags are immutable, so a deployed build's image can
   never be replaced by a later push; the commit is in metadata.toml, and CodeBuild never reuses a number.
4. `[test] command` of apppack.toml, when there is one, runs in the built image; its output is test.log
   and its failure fails the build (nothing is pushed).
5. build.log, commit.txt, apppack.toml, metadata.toml and test.log go to s3://<artifacts>/<app>/<N>/ in POST_BUILD,
   so they are there before CodeBuild reports the build SUCCEEDED (and build.log even when it failed).
"""

from __future__ import annotations

from typing import Any

PACK_VERSION = "0.38.2"
BUILDER = "heroku/builder:24"

# Runs with python3 in the build container (stdlib only). Kept as its own string so a test can run it.
# The same mapping as the emulator's (orchestrator/local/apppack.py); tests/reality compares the two.
PROCFILE_TO_APPPACK_TOML = r"""
import json, pathlib, re, sys

def key(name):
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)

release, postdeploy, services = None, None, {}
for number, raw in enumerate(pathlib.Path("Procfile").read_text().splitlines(), 1):
    line = raw.strip()
    if not line or line.startswith("#"):
        continue
    name, colon, command = line.partition(":")
    name, command = name.strip(), command.strip()
    if not colon or not name or not command:
        sys.exit(f"Procfile line {number}: expected '<process>: <command>', got {raw!r}")
    if name == "release":
        release = command
    elif name == "postdeploy":
        postdeploy = command
    else:
        services[name] = command
if not services:
    sys.exit("Procfile declares no process to run")
lines = ["[build]", 'system = "buildpacks"', ""]
for name, command in services.items():
    lines += [f"[services.{key(name)}]", f"command = {json.dumps(command)}", ""]
if release:
    lines += ["[deploy]", f"release_command = {json.dumps(release)}", ""]
if postdeploy:
    lines += ["[review_app]", f"initialize_command = {json.dumps(postdeploy)}", ""]
pathlib.Path("apppack.toml").write_text("\n".join(lines))
""".strip()

BUILD_SCRIPT = (
    """set -euo pipefail
{
  COMMIT="${CODEBUILD_RESOLVED_SOURCE_VERSION}"
  if [ -f apppack.toml ]; then
    echo "using the repository's apppack.toml"
  elif [ -f Procfile ]; then
    echo "generating apppack.toml from the Procfile"
    python3 - <<'PY'
"""
    + PROCFILE_TO_APPPACK_TOML
    + """
PY
  else
    echo "neither apppack.toml nor Procfile: nothing to run" >&2
    exit 1
  fi
  IMAGE="$REPOSITORY_URI:build-$CODEBUILD_BUILD_NUMBER"
  if [ -f Dockerfile ]; then
    BUILT_WITH=dockerfile
    docker build --pull --tag "$IMAGE" .
  else
    BUILT_WITH="pack $BUILDER"
    pack build "$IMAGE" --builder "$BUILDER" --path . --trust-builder
  fi
  TEST_COMMAND="$(python3 -c 'import sys, tomllib; print(tomllib.load(open("apppack.toml", "rb")).get("test", {}).get("command", ""))')"
  if [ -n "$TEST_COMMAND" ]; then
    echo "running the tests: $TEST_COMMAND"
    docker run --rm "$IMAGE" /bin/sh -c "$TEST_COMMAND" 2>&1 | tee test.log
  else
    echo "apppack.toml has no [test] command" | tee test.log
  fi
  docker push "$IMAGE"
  DIGEST="$(docker inspect --format '{{index .RepoDigests 0}}' "$IMAGE")"
  printf '%s\\n' \\
    "app = \\"$APP_NAME\\"" \\
    "build_number = $CODEBUILD_BUILD_NUMBER" \\
    "commit = \\"$COMMIT\\"" \\
    "source_version = \\"${CODEBUILD_SOURCE_VERSION:-}\\"" \\
    "image = \\"$IMAGE\\"" \\
    "digest = \\"$DIGEST\\"" \\
    "built_with = \\"$BUILT_WITH\\"" \\
    "build_id = \\"$CODEBUILD_BUILD_ID\\"" > metadata.toml
} 2>&1 | tee -a build.log
"""
)

UPLOAD_SCRIPT = """ARTIFACTS="s3://$ARTIFACTS_BUCKET/$APP_NAME/$CODEBUILD_BUILD_NUMBER"
# What AppPack's builder writes (its CLI shows it with the build); the bare commit where there is no git.
git log -n1 --decorate=no > commit.txt 2>/dev/null || echo "commit ${CODEBUILD_RESOLVED_SOURCE_VERSION:-}" > commit.txt
for f in build.log commit.txt apppack.toml metadata.toml test.log; do
  if [ -f "$f" ]; then aws s3 cp --only-show-errors "$f" "$ARTIFACTS/$f"; fi
done
"""


def buildspec() -> dict[str, Any]:
    return {
        "version": "0.2",
        "env": {
            "shell": "bash",
            "variables": {"PACK_VERSION": PACK_VERSION, "BUILDER": BUILDER},
        },
        "phases": {
            "install": {
                "commands": [
                    # Skipped where pack already is (a custom build image, the local buildspec runner).
                    'command -v pack >/dev/null || curl -fsSL "https://github.com/buildpacks/pack/releases/download/'
                    'v${PACK_VERSION}/pack-v${PACK_VERSION}-linux.tgz" | tar -C /usr/local/bin --no-same-owner -xz pack',
                ]
            },
            "pre_build": {
                "commands": [
                    'aws ecr get-login-password --region "$AWS_REGION" '
                    '| docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"',
                ]
            },
            "build": {"commands": [BUILD_SCRIPT]},
            "post_build": {"commands": [UPLOAD_SCRIPT]},
        },
    }
