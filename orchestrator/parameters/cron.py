"""AWS EventBridge cron expressions (6 fields, UTC), validated before anything changes.

    minutes  hours  day-of-month  month  day-of-week  year
    0-59     0-23   1-31          1-12   1-7          1970-2199
                    ? L W         JAN-DEC SUN-SAT ? L #

Rules (EventBridge "Schedule expressions for rules"): exactly one of day-of-month and day-of-week is `?`;
`,` lists, `-` ranges, `*` and `/` increments everywhere except that `?`, `L`, `W` and `#` stand alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = {
    m: i
    for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)
}
DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
FIELDS = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")


class CronError(ValueError):
    """Not a valid AWS cron expression."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_SPECS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, MONTHS),
    _Field("day-of-week", 1, 7, DAYS),
    _Field("year", 1970, 2199),
)


def _value(text: str, spec: _Field) -> int:
    upper = text.upper()
    if spec.names and upper in spec.names:
        return spec.names[upper]
    if not text.isdigit():
        raise CronError(f"{spec.name}: {text!r} is not a number{' or a name' if spec.names else ''}")
    number = int(text)
    if not spec.low <= number <= spec.high:
        raise CronError(f"{spec.name}: {number} is outside {spec.low}-{spec.high}")
    return number


def _range_or_value(text: str, spec: _Field) -> None:
    if "-" in text:
        low_text, _, high_text = text.partition("-")
        low, high = _value(low_text, spec), _value(high_text, spec)
        if low > high and spec.name not in ("day-of-week",):
            raise CronError(f"{spec.name}: range {text!r} goes backwards")
    else:
        _value(text, spec)


def _element(text: str, spec: _Field) -> None:
    if not text:
        raise CronError(f"{spec.name}: empty list element")
    if "/" in text:
        start, _, step = text.partition("/")
        if not step.isdigit() or int(step) == 0:
            raise CronError(f"{spec.name}: increment in {text!r} must be a positive number")
        if int(step) > spec.high:
            raise CronError(f"{spec.name}: increment {step} is larger than {spec.high}")
        if start != "*":
            _range_or_value(start, spec)
        return
    if text == "*":
        return
    _range_or_value(text, spec)


def _special(field: str, spec: _Field) -> bool:
    """The stand-alone forms of day-of-month and day-of-week. True when `field` is one of them."""
    upper = field.upper()
    if spec.name == "day-of-month":
        if upper in ("L", "LW"):
            return True
        if upper.endswith("W"):
            _value(upper[:-1], spec)
            return True
        if upper.startswith("L-"):
            offset = upper[2:]
            if not offset.isdigit() or not 1 <= int(offset) <= 30:
                raise CronError(f"day-of-month: {field!r}: L-<n> needs 1 ≤ n ≤ 30")
            return True
    if spec.name == "day-of-week":
        if upper == "L":
            return True
        if "#" in upper:
            day, _, nth = upper.partition("#")
            _value(day, spec)
            if not nth.isdigit() or not 1 <= int(nth) <= 5:
                raise CronError(f"day-of-week: {field!r}: the n in <day>#n must be 1-5")
            return True
        if upper.endswith("L") and len(upper) > 1:
            _value(upper[:-1], spec)
            return True
    return False


def _check_field(field: str, spec: _Field) -> None:
    if field == "?":
        if spec.name not in ("day-of-month", "day-of-week"):
            raise CronError(f"{spec.name}: '?' is only allowed in day-of-month or day-of-week")
        return
    if spec.name in ("day-of-month", "day-of-week") and _special(field, spec):
        return
    if any(c in field for c in "?#"):
        raise CronError(f"{spec.name}: {field!r}: '?' and '#' stand alone and only in the day fields")
    for element in field.split(","):
        _element(element, spec)


@dataclass(frozen=True)
class AwsCron:
    expression: str  # the 6 fields, single-spaced

    @property
    def schedule_expression(self) -> str:
        return f"cron({self.expression})"


def parse_cron(text: str) -> AwsCron:
    """Validate an AWS cron expression (with or without the `cron(...)` wrapper)."""
    expression = text.strip()
    wrapped = re.fullmatch(r"cron\((.*)\)", expression, flags=re.DOTALL)
    if wrapped:
        expression = wrapped.group(1).strip()
    fields = expression.split()
    if len(fields) != 6:
        hint = " (a 5-field crontab needs a sixth field: the year, usually *)" if len(fields) == 5 else ""
        raise CronError(f"{text!r}: an AWS cron expression has 6 fields ({' '.join(FIELDS)}), got {len(fields)}{hint}")
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise CronError(f"{text!r}: exactly one of day-of-month and day-of-week must be '?'")
    for field, spec in zip(fields, _SPECS, strict=True):
        try:
            _check_field(field, spec)
        except CronError as error:
            raise CronError(f"{text!r}: {error}") from None
    return AwsCron(" ".join(fields))
