"""Stand-ins for `docker`, `pack` and `aws` in a locally run buildspec (orchestrator/local/buildspec_runner.py).

Each call is appended to `$BUILD_SHIM_STATE/calls.jsonl`. Images are recorded in `images.json` (a digest
computed from the built directory); `docker push` writes them to moto's ECR, which answers with the real
repository rules (an immutable tag cannot be pushed twice). `aws s3 cp` uploads to moto's S3. `docker run`
runs the command in the image's build directory, the nearest this machine has to the container.
Anything else a shim does not know fails with a message naming it, so a buildspec change that needs a
new command is noticed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


class ShimError(Exception):
    """A command line the shim cannot honour (exit 2) or an operation that failed (exit 1)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _ecr() -> Any:
    from orchestrator.adapters.clients import client

    return client("ecr")


def _s3() -> Any:
    from orchestrator.adapters.clients import client

    return client("s3")


def _state() -> Path:
    return Path(os.environ["BUILD_SHIM_STATE"])


def _images() -> dict[str, dict[str, Any]]:
    path = _state() / "images.json"
    images: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.exists() else {}
    return images


def _save_images(images: dict[str, dict[str, Any]]) -> None:
    (_state() / "images.json").write_text(json.dumps(images, indent=1))


def _record(tool: str, argv: Sequence[str]) -> None:
    with (_state() / "calls.jsonl").open("a") as calls:
        calls.write(json.dumps({"tool": tool, "argv": list(argv), "cwd": os.getcwd()}) + "\n")


def _options(argv: Sequence[str], flags: set[str]) -> tuple[dict[str, str], list[str]]:
    """`--name value` options (and the boolean `flags`) apart from positional arguments."""
    options: dict[str, str] = {}
    positional: list[str] = []
    items = iter(argv)
    for item in items:
        if item in flags:
            options[item] = "true"
        elif item.startswith("--") and "=" in item:
            name, _, value = item.partition("=")
            options[name] = value
        elif item.startswith("-") and item != "-":
            options[item] = next(items, "")
        else:
            positional.append(item)
    return options, positional


def _tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(directory)).encode() + b"\0" + file.read_bytes())
    return f"sha256:{digest.hexdigest()}"


def _build(image: str, directory: Path, built_with: str) -> None:
    images = _images()
    images[image] = {"config": _tree_digest(directory), "directory": str(directory.resolve()), "built_with": built_with}
    _save_images(images)
    print(f"Successfully built {image}")


def _split(image: str) -> tuple[str, str, str]:
    """`<registry>/<repository>:<tag>` -> (registry, repository, tag)."""
    name, _, tag = image.rpartition(":")
    registry, _, repository = name.partition("/")
    if not tag or not repository or "/" in tag:
        raise ShimError(f"image {image!r} has no <registry>/<repository>:<tag> form")
    return registry, repository, tag


def docker(argv: Sequence[str]) -> int:
    if not argv:
        raise ShimError("docker: no command", 2)
    command, rest = argv[0], argv[1:]
    if command == "login":
        sys.stdin.read()
        print("Login Succeeded")
        return 0
    if command == "build":
        options, positional = _options(rest, {"--pull", "--no-cache", "-q"})
        image = options.get("--tag") or options.get("-t")
        if not image or len(positional) != 1:
            raise ShimError("docker build: expected --tag IMAGE and one context directory", 2)
        context = Path(positional[0])
        if not (context / (options.get("--file") or options.get("-f") or "Dockerfile")).is_file():
            raise ShimError("docker build: no Dockerfile in the build context")
        _build(image, context, "dockerfile")
        return 0
    images = _images()
    if command == "run":
        flags, environment = 0, dict(os.environ)
        while flags < len(rest) and (rest[flags] in ("--rm", "-i", "-t", "-it", "-e", "--env")):
            if rest[flags] in ("-e", "--env") and flags + 1 < len(rest):
                name, _, value = rest[flags + 1].partition("=")
                environment[name] = value
                flags += 1
            flags += 1
        image, container_command = (rest[flags], rest[flags + 1 :]) if flags < len(rest) else ("", [])
        if image not in images or not container_command:
            raise ShimError(f"docker run: no local image {image!r}, or no command")
        return subprocess.run(container_command, cwd=images[image]["directory"], env=environment,
                              check=False).returncode  # fmt: skip
    if command == "push":
        if len(rest) != 1 or rest[0] not in images:
            raise ShimError(f"docker push: no local image {rest}")
        _registry, repository, tag = _split(rest[0])
        manifest = {"schemaVersion": 2, "mediaType": MANIFEST_TYPE, "layers": [],
                    "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                               "digest": images[rest[0]]["config"], "size": 1}}  # fmt: skip
        from botocore.exceptions import ClientError  # boto3 only where AWS is called: each shim call is a process

        try:
            pushed = _ecr().put_image(repositoryName=repository, imageTag=tag, imageManifest=json.dumps(manifest),
                                             imageManifestMediaType=MANIFEST_TYPE)  # fmt: skip
        except ClientError as error:
            raise ShimError(f"docker push {rest[0]}: {error.response['Error']['Code']}: {error}") from error
        images[rest[0]]["repo_digest"] = pushed["image"]["imageId"]["imageDigest"]
        _save_images(images)
        print(f"{tag}: digest: {images[rest[0]]['repo_digest']}")
        return 0
    if command == "inspect":
        options, positional = _options(rest, set())
        if options.get("--format") != "{{index .RepoDigests 0}}" or len(positional) != 1:
            raise ShimError("docker inspect: only --format '{{index .RepoDigests 0}}' IMAGE is shimmed", 2)
        inspected = images.get(positional[0], {})
        if "repo_digest" not in inspected:
            raise ShimError(f"docker inspect: {positional[0]} has no repository digest (not pushed)")
        print(f"{positional[0].rpartition(':')[0]}@{inspected['repo_digest']}")
        return 0
    raise ShimError(f"docker {command}: not shimmed", 2)


def pack(argv: Sequence[str]) -> int:
    if not argv or argv[0] != "build":
        raise ShimError(f"pack {' '.join(argv[:1])}: not shimmed", 2)
    options, positional = _options(argv[1:], {"--trust-builder", "--publish"})
    if len(positional) != 1 or "--builder" not in options:
        raise ShimError("pack build: expected IMAGE --builder BUILDER", 2)
    _build(positional[0], Path(options.get("--path", ".")), f"pack {options['--builder']}")
    return 0


def aws(argv: Sequence[str]) -> int:
    options, positional = _options(argv, {"--only-show-errors", "--no-progress"})
    if positional[:2] == ["ecr", "get-login-password"]:
        print("emulator-ecr-password")
        return 0
    if positional[:2] == ["s3", "cp"] and len(positional) == 4:
        source, destination = positional[2:]
        if not destination.startswith("s3://") or source.startswith("s3://"):
            raise ShimError("aws s3 cp: only uploads (aws s3 cp FILE s3://bucket/key) are shimmed", 2)
        bucket, _, key = destination.removeprefix("s3://").partition("/")
        from botocore.exceptions import ClientError

        try:
            _s3().put_object(Bucket=bucket, Key=key, Body=Path(source).read_bytes())
        except (ClientError, OSError) as error:
            raise ShimError(f"upload failed: {source} to {destination}: {error}") from error
        if "--only-show-errors" not in options:
            print(f"upload: {source} to {destination}")
        return 0
    raise ShimError(f"aws {' '.join(positional[:2])}: not shimmed", 2)


TOOLS = {"docker": docker, "pack": pack, "aws": aws}


def main(tool: str) -> None:
    argv = sys.argv[1:]
    _record(tool, argv)
    try:
        code = TOOLS[tool](argv)
    except ShimError as error:
        print(f"{tool} (shim): {error}", file=sys.stderr)
        code = error.code
    sys.exit(code)
