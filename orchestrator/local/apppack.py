"""What a build writes for the orchestrator: a Procfile becomes `apppack.toml`, plus `metadata.toml`.

web: gunicorn app.wsgi        ->  [services.web] command = "gunicorn app.wsgi"
release: python migrate.py    ->  [deploy] release_command = "python migrate.py"
postdeploy: ./seed            ->  [review_app] initialize_command = "./seed"
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources

PROCFILE_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+):\s*(?P<command>.+?)\s*$")
SPECIAL = {"release", "postdeploy"}


class ProcfileError(ValueError):
    pass


def parse_procfile(text: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = PROCFILE_LINE.match(line.strip())
        if match is None:
            raise ProcfileError(f"Procfile line {number}: expected '<name>: <command>'")
        entries[match["name"]] = match["command"]
    return entries


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string with only these escapes is a valid TOML basic string


def apppack_toml(procfile: dict[str, str], initialize_command: str | None = None, test_command: str | None = None) -> str:
    lines = ["[build]", 'system = "buildpack"', ""]  # AppPack's keyword
    if test_command:
        lines += ["[test]", f"command = {_toml_string(test_command)}", ""]
    for name, command in procfile.items():
        if name in SPECIAL:
            continue
        lines += [f"[services.{name}]", f"command = {_toml_string(command)}", ""]
    if "release" in procfile:
        lines += ["[deploy]", f"release_command = {_toml_string(procfile['release'])}", ""]
    initialize = initialize_command or procfile.get("postdeploy")
    if initialize:
        lines += ["[review_app]", f"initialize_command = {_toml_string(initialize)}", ""]
    text = "\n".join(lines)
    tomllib.loads(text)  # what we write must parse
    return text


def metadata_toml(
    *, app: str, build_number: int, commit: str, source_version: str, image: str, digest: str, build_id: str,
    processes: dict[str, str] | None = None,
) -> str:
    """The keys the buildspec writes (infra/buildspec.py; tests/reality compares the two), then `processes`
    (type → command) as the buildpack lifecycle's `[[processes]]` that AppPack's builder archives."""
    values: dict[str, str | int] = {
        "app": app, "build_number": build_number, "commit": commit, "source_version": source_version,
        "image": image, "digest": digest, "built_with": "pack heroku/builder:24", "build_id": build_id,
    }  # fmt: skip
    text = "".join(f"{k} = {v if isinstance(v, int) else _toml_string(v)}\n" for k, v in values.items())
    for name, command in (processes or {}).items():
        text += (f"\n[[processes]]\ntype = {_toml_string(name)}\ncommand = [{_toml_string(command)}]\n"
                 'args = []\nbuildpack_id = ""\n')  # fmt: skip
    tomllib.loads(text)
    return text


def sample_procfile(sample: str = "web-app") -> str:
    return resources.files("orchestrator.local").joinpath("samples", sample, "Procfile").read_text()


def commit_txt(commit: str, app: str) -> str:
    """`commit.txt` as AppPack's builder writes it: the output of `git log -n1 --decorate=no`."""
    return (
        f"commit {commit}\n"
        f"Author: {app} developer <dev@{app.split(':')[0]}.example>\n"
        "Date:   Thu Jan 1 00:00:00 2026 +0000\n"
        "\n"
        f"    Simulated commit of {app}\n"
    )
