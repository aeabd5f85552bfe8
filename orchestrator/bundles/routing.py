"""Route a call path to a function: whole path segments, longest prefix wins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel

FunctionT = TypeVar("FunctionT", bound=BaseModel)


def segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def route(functions: Iterable[FunctionT], path: str) -> FunctionT | None:
    """The function whose `path` is the longest segment-wise prefix of `path`.

    `/topic` matches `/topic` and `/topic/x` but not `/topicX`; `/` matches everything.
    Ties (two functions with the same path) go to the first one in the manifest."""
    wanted = segments(path)
    best: FunctionT | None = None
    best_length = -1
    for function in functions:
        prefix = segments(str(getattr(function, "path", "")))
        if len(prefix) > best_length and wanted[: len(prefix)] == prefix:
            best, best_length = function, len(prefix)
    return best
