"""Shell syntax in a scheduled task's command. The command runs as an argv (split like a shell would, but
never given to one), so `|`, `&&`, `>`, `$VAR` or backquotes reach the program as literal arguments."""

from __future__ import annotations

import shlex

OPERATOR_CHARS = set("();<>|&")


def shell_syntax(command: str) -> list[str]:
    """The shell constructs in `command` that will not be interpreted (empty when there are none)."""
    found: list[str] = []
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: the task's own validation reports it
        return found
    for token in tokens:
        if token and set(token) <= OPERATOR_CHARS and token not in found:
            found.append(token)
    if "$" in command and "$" not in found:
        found.append("$")
    if "`" in command:
        found.append("`")
    return found
