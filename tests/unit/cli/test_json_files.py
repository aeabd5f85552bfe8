"""Commands that read a JSON file answer a missing, unreadable, non-UTF-8 or malformed file with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli.conftest import Cli, one_line_error

BAD_FILES = {
    "missing": (None, "cannot read: No such file or directory"),
    "latin-1": (b'{"NAME": "caf\xe9"}', "not valid JSON: not UTF-8 text"),
    "binary": (b"\xff\xd8\xff\xe0\x00\x10JFIF", "not valid JSON"),
    "malformed": (b'{"A":', "not valid JSON: Expecting value at line 1"),
}


def _write(tmp_path: Path, name: str) -> Path:
    content, _ = BAD_FILES[name]
    path = tmp_path / f"{name}.json"
    if content is not None:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", [("events", "explain"), ("config", "import")])
def test_a_bad_json_file_is_one_line_and_exit_2(cli: Cli, tmp_path: Path, name: str, command: tuple[str, ...]) -> None:
    path = _write(tmp_path, name)
    extra = ("-a", "shop") if command[0] == "config" else ()
    line = one_line_error(cli(*command, str(path), *extra), 2)
    assert str(path) in line
    assert BAD_FILES[name][1] in line


def test_a_directory_is_one_line(cli: Cli, tmp_path: Path) -> None:
    assert "cannot read" in one_line_error(cli("events", "explain", str(tmp_path)), 2)


def test_utf16_json_with_a_bom_is_read(cli: Cli, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_bytes('{"version": "0", "id": "1", "source": "aws.s3"}'.encode("utf-16"))
    line = one_line_error(cli("events", "explain", str(event)), 2)
    assert "not an EventBridge event: detail-type" in line  # parsed: only the event's shape is wrong


def test_a_deeply_nested_json_file_is_one_line_not_a_traceback(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    line = one_line_error(cli("events", "explain", str(path)), 2)
    assert line.endswith(f"{path} is nested too deeply: 100000 levels (at most 32)")
