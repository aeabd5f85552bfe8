"""Issue 10, defect 7: the one bounded JSON loader; deep or huge input is a one-line error, never RecursionError."""

from __future__ import annotations

import json

import pytest

from orchestrator.bounded_json import MAX_DEPTH, JsonBoundsError, check_json_bounds, load_json, nesting_depth

DEEP = "[" * 2000 + "]" * 2000  # 4 KB: enough to make json.loads raise RecursionError


def test_plain_json_still_raises_recursion_error_on_the_deep_value() -> None:
    # Why the loader exists: the standard library has no depth bound of its own.
    with pytest.raises(RecursionError):
        json.loads("[" * 100_000 + "]" * 100_000)


def test_depth_is_counted_outside_strings() -> None:
    assert nesting_depth('{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert nesting_depth('"\\"[["') == 0
    assert nesting_depth("3") == 0


@pytest.mark.parametrize("text", [DEEP, "[" * 100_000, '{"a":' * 40 + "1" + "}" * 40])
def test_too_deep_is_a_bounds_error(text: str) -> None:
    with pytest.raises(JsonBoundsError, match=r"^scaling is nested too deeply: \d+ levels \(at most 32\)$"):
        load_json(text, what="scaling")


def test_at_the_bound_is_accepted() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_json(text, what="x") == json.loads(text)


def test_too_large_is_a_bounds_error_before_parsing() -> None:
    with pytest.raises(JsonBoundsError, match=r"^users is too large: 9000 bytes \(at most 8192\)$"):
        load_json('"' + "a" * 8998 + '"', what="users", max_bytes=8192)


def test_invalid_json_and_bad_bytes_are_one_line() -> None:
    with pytest.raises(JsonBoundsError, match=r"^f is not valid JSON: Expecting value at line 1 column 6$"):
        load_json('{"a":', what="f")
    with pytest.raises(JsonBoundsError, match="not UTF-8 text"):
        load_json(b'{"a": "caf\xe9"}', what="f")
    assert load_json('{"a": 1}'.encode("utf-16"), what="f") == {"a": 1}


def test_parsed_documents_are_checked_without_recursion() -> None:
    deep: list[object] = []
    node = deep
    for _ in range(50_000):
        child: list[object] = []
        node.append(child)
        node = child
    with pytest.raises(JsonBoundsError, match=r"^event is nested too deeply"):
        check_json_bounds(deep, what="event")
    with pytest.raises(JsonBoundsError, match=r"^event is too large"):
        check_json_bounds(list(range(200)), what="event", max_nodes=100)
    check_json_bounds({"detail": {"a": [1, 2, {"b": None}]}}, what="event")
