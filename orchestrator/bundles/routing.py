"""Route a call path to a function exactly as a Mattermost server does, so a local call is a production call.

The server (mattermost-plugin-apps) refuses a call path that does not start with `/`, cleans it as Go's
`path.Clean` does (`//` collapsed, `.`/`..` resolved, no trailing `/`), then picks the function whose `path`
is the longest *string* prefix of it (`upaws.match`); on a tie, the first in the manifest. So `/topic`
also catches `/topicX`: `prefix_warnings` says so at validation time.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar


class Routable(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def name(self) -> str: ...


FunctionT = TypeVar("FunctionT", bound=Routable)


class CallPathError(ValueError):
    pass


def clean_call_path(path: str) -> str:
    """The call path as the server cleans it (Go `path.Clean`); it must start with `/`."""
    if not path.startswith("/"):
        raise CallPathError(f"call path must start with '/': {path!r}")
    cleaned = posixpath.normpath(path)
    # POSIX keeps a leading `//`; Go's path.Clean does not.
    return "/" + cleaned.lstrip("/")


def route(functions: Iterable[FunctionT], path: str) -> FunctionT | None:
    """The function whose `path` is the longest string prefix of the cleaned call path, or None."""
    wanted = clean_call_path(path)
    best: FunctionT | None = None
    for function in functions:
        if wanted.startswith(function.path) and (best is None or len(function.path) > len(best.path)):
            best = function
    return best


def prefix_warnings(functions: Sequence[Routable]) -> list[tuple[str, str]]:
    """(function name, warning) for paths that catch calls their author probably did not mean them to."""
    warnings: list[tuple[str, str]] = []
    for function in functions:
        path = function.path
        first = next(f for f in functions if f.path == path)
        if first is not function:
            warnings.append((function.name, f"never called: {first.name!r} has the same path {path!r} and comes first"))
        elif not path.endswith("/"):
            warnings.append(
                (function.name, f"path {path!r} also catches unrelated paths such as {path + 'X'!r} "
                 "(a Mattermost server routes by string prefix)"),
            )  # fmt: skip
    return warnings
