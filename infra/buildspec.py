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

from orchestrator.pipeline.app_registry import ARTIFACT_FILES, BUILDSPEC_ARTIFACTS

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
# AppPack's keywords; a Dockerfile next to the Procfile is how this platform asks for a Dockerfile build.
system = "dockerfile" if pathlib.Path("Dockerfile").is_file() else "buildpack"
lines = ["[build]", f'system = "{system}"', ""]
for name, command in services.items():
    lines += [f"[services.{key(name)}]", f"command = {json.dumps(command)}", ""]
if release:
    lines += ["[deploy]", f"release_command = {json.dumps(release)}", ""]
if postdeploy:
    lines += ["[review_app]", f"initialize_command = {json.dumps(postdeploy)}", ""]
pathlib.Path("apppack.toml").write_text("\n".join(lines))
""".strip()

# apppack.toml's `[build]` and `[test]` as shell assignments (AppPack's schema: system buildpack|dockerfile,
# builder, dockerfile; test command and KEY=VALUE env). Runs with python3 (stdlib only).
BUILD_SETTINGS = r"""
import shlex, tomllib
with open("apppack.toml", "rb") as f:
    toml = tomllib.load(f)
build, test = toml.get("build", {}), toml.get("test", {})
print("SYSTEM=" + shlex.quote(build.get("system", "")))
print("DOCKERFILE=" + shlex.quote(build.get("dockerfile") or "Dockerfile"))
if build.get("builder"):
    print("BUILDER=" + shlex.quote(build["builder"]))
print("TEST_COMMAND=" + shlex.quote(test.get("command", "")))
print("TEST_ENV=" + shlex.quote(" ".join("-e " + shlex.quote(e) for e in test.get("env", []))))
""".strip()

# metadata.toml: AppPack's builder archives the buildpack lifecycle's `[[processes]]` (type, command, args,
# buildpack_id); these are apppack.toml's processes in that form, after the build's own keys.
METADATA_TOML = r"""
import json, os, tomllib
with open("apppack.toml", "rb") as f:
    toml = tomllib.load(f)
number = os.environ["CODEBUILD_BUILD_NUMBER"]
lines = [f"app = {json.dumps(os.environ['APPNAME'])}",
         f"build_number = {number if number.isdigit() else json.dumps(number)}"]
for key, variable in (("commit", "COMMIT"), ("source_version", "CODEBUILD_SOURCE_VERSION"), ("image", "IMAGE"),
                      ("digest", "DIGEST"), ("built_with", "BUILT_WITH"), ("build_id", "CODEBUILD_BUILD_ID")):
    lines.append(f"{key} = {json.dumps(os.environ.get(variable, ''))}")
processes = {name: s.get("command", "") for name, s in toml.get("services", {}).items()}
if toml.get("deploy", {}).get("release_command"):
    processes["release"] = toml["deploy"]["release_command"]
for name, command in processes.items():
    lines += ["", "[[processes]]", f"type = {json.dumps(name)}", f"command = [{json.dumps(command)}]",
              "args = []", 'buildpack_id = ""']
with open("metadata.toml", "w") as f:
    f.write("\n".join(lines) + "\n")
""".strip()

BUILD_SCRIPT = (
    """set -euo pipefail
{
  COMMIT="${CODEBUILD_RESOLVED_SOURCE_VERSION:-$(git rev-parse HEAD 2>/dev/null || true)}"
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
  IMAGE="$DOCKER_REPO:build-$CODEBUILD_BUILD_NUMBER"
  eval "$(python3 - <<'PY'
""" + BUILD_SETTINGS + """
PY
)"
  if [ "$SYSTEM" = dockerfile ] || { [ -z "$SYSTEM" ] && [ -f "$DOCKERFILE" ]; }; then
    BUILT_WITH=dockerfile
    docker build --pull --tag "$IMAGE" --file "$DOCKERFILE" .
  else
    BUILT_WITH="pack $BUILDER"
    pack build "$IMAGE" --builder "$BUILDER" --path . --trust-builder
  fi
  docker push "$IMAGE"
  DIGEST="$(docker inspect --format '{{index .RepoDigests 0}}' "$IMAGE")"
  export IMAGE DIGEST BUILT_WITH COMMIT
  python3 - <<'PY'
""" + METADATA_TOML + """
PY
} 2>&1 | tee -a build.log
"""
)

# POST_BUILD, as AppPack's `apppack-builder postbuild`: the tests run in the pushed image (CI=true plus
# `[test] env`) only when the build succeeded, their output is test.log, the artifacts are uploaded either
# way, and the phase ends with the tests' status, so a failing test fails the build and nothing deploys.
UPLOAD_SCRIPT = """TESTS=0
if [ "${CODEBUILD_BUILD_SUCCEEDING:-1}" = 1 ]; then
  eval "$(python3 - <<'PY'
""" + BUILD_SETTINGS + """
PY
)"
  echo "#*#*#*#*#*# apppack-test-start #*#*#*#*#*#"
  if [ -n "$TEST_COMMAND" ]; then
    echo "+ $TEST_COMMAND" > test.log
    eval "docker run --rm -e CI=true $TEST_ENV \\"\\$DOCKER_REPO:build-\\$CODEBUILD_BUILD_NUMBER\\" /bin/sh -c \\"\\$TEST_COMMAND\\"" >> test.log 2>&1
    TESTS=$?
    [ "$TESTS" = 0 ] || echo "test script failed with exit code $TESTS" >> test.log
  else
    echo "no tests defined in apppack.toml" > test.log
  fi
  cat test.log
  echo "#*#*#*#*#*# apppack-test-end #*#*#*#*#*#"
fi
ARTIFACTS="s3://$ARTIFACT_BUCKET/$APPNAME/$CODEBUILD_BUILD_NUMBER"
# What AppPack's builder writes (its CLI shows it with the build); the bare commit where there is no git.
git log -n1 --decorate=no > commit.txt 2>/dev/null || echo "commit ${CODEBUILD_RESOLVED_SOURCE_VERSION:-}" > commit.txt
for f in """ + " ".join(ARTIFACT_FILES) + """; do
  if [ -f "$f" ]; then aws s3 cp --only-show-errors "$f" "$ARTIFACTS/$f"; fi
done
exit "$TESTS"
"""


def buildspec() -> dict[str, Any]:
    return {
        "version": "0.2",
        # What AppPack's upload-artifacts/deploy actions read (`artifacts.files`) and CodeBuild uploads under
        # the project's <app>/ path, named by the build number.
        "artifacts": dict(BUILDSPEC_ARTIFACTS),
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
                    '| docker login --username AWS --password-stdin "${DOCKER_REPO%%/*}"',
                ]
            },
            "build": {"commands": [BUILD_SCRIPT]},
            "post_build": {"commands": [UPLOAD_SCRIPT]},
        },
    }
