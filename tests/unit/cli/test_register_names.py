"""Issue 10, defect 6: `local register` refuses a name that would make ECS names ambiguous, in one line."""

from __future__ import annotations

from tests.unit.cli.conftest import Cli, one_line_error


def test_register_refuses_a_review_app_like_name(cli: Cli) -> None:
    line = one_line_error(cli("local", "register", "pipe-pr12"), 2)
    assert line.endswith("app name 'pipe-pr12' may not end in -pr<N>: review apps' ECS names end that way")


def test_register_refuses_an_invalid_name(cli: Cli) -> None:
    assert "must be 2-41 lowercase letters" in one_line_error(cli("local", "register", "Shop"), 2)
