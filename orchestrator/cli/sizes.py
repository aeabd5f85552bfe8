"""Sizes and counts as people type them (`0.5` vCPU, `1G`, `2`, `1-4`) → ECS units, MiB and process counts.
ASCII digits only: `٣` is not 3."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

NUMBER = r"[0-9]+(?:\.[0-9]+)?"
COUNT = re.compile(r"^(?P<min>[0-9]+)(?:-(?P<max>[0-9]+))?$", re.ASCII)
MEMORY = re.compile(rf"^(?P<n>{NUMBER})\s*(?P<unit>m|mb|mib|g|gb|gib)?$", re.ASCII | re.IGNORECASE)
MAX_VCPU = 16  # Fargate's largest task; a larger plain number is read as ECS cpu units


class SizeError(ValueError):
    """A count or size that cannot be read."""


def parse_count(text: str) -> tuple[int, int]:
    """`2` → (2, 2); `1-4` → (1, 4) (autoscaling); `0` scales a process type to zero."""
    found = COUNT.match(text.strip())
    if found is None:
        raise SizeError(f"{text!r}: expected a number of processes (0, 2) or min-max for autoscaling (1-4)")
    low = int(found["min"])
    high = int(found["max"] or low)
    if low > high:
        raise SizeError(f"{text!r}: the minimum is above the maximum")
    return low, high


def parse_cpu(text: str) -> int:
    """vCPUs (`0.25`, `0.5`, `1`, `2`…, as AppPack takes them) or ECS cpu units (`256`, `1024`) → units."""
    value = _decimal(text, "cpu", "vCPUs (0.25, 0.5, 1, 2, 4) or cpu units (256, 512, 1024)")
    units = value * 1024 if value <= MAX_VCPU else value
    if units != units.to_integral_value() or units <= 0:
        raise SizeError(f"cpu {text!r} is not a whole number of cpu units (0.25 vCPU = 256)")
    return int(units)


def parse_memory(text: str) -> int:
    """`512M`, `1G`, `1GB`, `0.5G`, or MiB as a plain number (`2048`) → MiB."""
    found = MEMORY.match(text.strip())
    if found is None:
        raise SizeError(f"memory {text!r}: expected a size like 512M, 1G or 2048 (MiB)")
    value = Decimal(found["n"])
    unit = (found["unit"] or "m").lower()
    mib = value * 1024 if unit.startswith("g") else value
    if mib != mib.to_integral_value() or mib <= 0:
        raise SizeError(f"memory {text!r} is not a whole number of MiB (give a unit: 512M, 0.5G)")
    return int(mib)


def _decimal(text: str, what: str, expected: str) -> Decimal:
    if re.fullmatch(NUMBER, text.strip(), re.ASCII) is None:
        raise SizeError(f"{what} {text!r}: expected {expected}")
    try:
        return Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
        raise SizeError(f"{what} {text!r}: expected {expected}") from None
