"""Host names, target group names and the choice of a free rule priority: pure functions."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.names import APP_NAME_PATTERN
from orchestrator.routing.hosts import app_host, host_name_error, normalized_host, target_group_name
from orchestrator.routing.priorities import MAX_PRIORITY, smallest_free


@pytest.mark.parametrize("host", ["shop.apps.example.com", "a.io", "x-1.example.co.uk", "1shop.example.com"])
def test_valid_hosts(host: str) -> None:
    assert host_name_error(host) is None


@pytest.mark.parametrize(
    "host",
    ["localhost", "-shop.example.com", "shop-.example.com", "shop..example.com", "shop example.com",
     "Shop.Example.com", "10.0.0.1", "*.example.com", "a" * 64 + ".example.com", ("a" * 60 + ".") * 5 + "com"],
)  # fmt: skip
def test_invalid_hosts_are_refused_with_a_reason(host: str) -> None:
    error = host_name_error(host)
    assert error is not None
    assert host[:20] in error


def test_hosts_are_normalized_before_they_are_checked() -> None:
    assert normalized_host(" Shop.Example.COM. ") == "shop.example.com"


def test_apps_and_review_apps_get_their_ecs_base_as_host() -> None:
    assert app_host(AppRef("shop"), "apps.example.com") == "shop.apps.example.com"
    assert app_host(AppRef("pipe:12"), "apps.example.com") == "pipe-pr12.apps.example.com"


@given(st.from_regex(APP_NAME_PATTERN[:-1] + r"\Z", fullmatch=True), st.integers(min_value=1, max_value=99999))
def test_target_group_names_fit_elbv2_rules_and_differ_per_app(name: str, pr: int) -> None:
    app, review = target_group_name(AppRef(name), "web"), target_group_name(AppRef(f"{name}:{pr}"), "web")
    for group in (app, review):
        assert len(group) <= 32
        assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?", group), group
        assert group.startswith("orch-")
    assert app != review


def test_the_smallest_free_priority_is_chosen() -> None:
    assert smallest_free(set()) == 1
    assert smallest_free({1, 2, 4}) == 3
    with pytest.raises(ValueError, match="every priority"):
        smallest_free(set(range(1, MAX_PRIORITY + 1)))
