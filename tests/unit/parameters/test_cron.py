"""AWS cron validation: the 6-field grammar EventBridge documents."""

from __future__ import annotations

import pytest

from orchestrator.parameters.cron import CronError, parse_cron


@pytest.mark.parametrize(
    "expression",
    [
        "0 0 * * ? *",
        "0/15 8-17 ? * MON-FRI *",
        "0 10 ? * 6L 2027",
        "0 12 L * ? *",
        "0 12 LW * ? *",
        "0 9 15W * ? *",
        "0 8 ? * 2#1 *",
        "0 8 ? * FRI#3 *",
        "5 4 ? JAN-MAR SUN,TUE 2026-2030",
        "*/5 * * * ? *",
        "15 10 ? * 6L 2022-2023",
        "0 0 1 */2 ? *",
        "cron(0 18 ? * MON-FRI *)",
        "0 0 L-3 * ? *",
    ],
)
def test_valid(expression: str) -> None:
    parsed = parse_cron(expression)
    assert parsed.schedule_expression.startswith("cron(")
    assert len(parsed.expression.split()) == 6


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("0 0 * * *", "6 fields"),
        ("0 0 * * ? * *", "6 fields"),
        ("", "6 fields"),
        ("0 0 * * * *", "exactly one of day-of-month and day-of-week"),
        ("0 0 ? * ? *", "exactly one of day-of-month and day-of-week"),
        ("60 0 * * ? *", "minutes: 60 is outside 0-59"),
        ("0 24 * * ? *", "hours: 24"),
        ("0 0 32 * ? *", "day-of-month: 32"),
        ("0 0 0 * ? *", "day-of-month: 0"),
        ("0 0 ? 13 MON *", "month: 13"),
        ("0 0 ? * 8 *", "day-of-week: 8"),
        ("0 0 ? FOO MON *", "month: 'FOO'"),
        ("0 0 * * ? 1969", "year: 1969"),
        ("0 0 ? * MON#6 *", "1-5"),
        ("0 0/0 * * ? *", "positive"),
        ("0 L * * ? *", "hours"),
        ("? 0 * * ? *", "only allowed in day-of-month or day-of-week"),
        ("0 0 5-1 * ? *", "backwards"),
        ("0 0 1,,2 * ? *", "empty"),
        ("0 0 * * ? *; rm -rf /", "6 fields"),
    ],
)
def test_invalid(expression: str, fragment: str) -> None:
    with pytest.raises(CronError, match=fragment.replace("(", "\\(").replace("?", "\\?")):
        parse_cron(expression)
