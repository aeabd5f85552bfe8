"""Pure parts of custom domains: host lists per rule (at most five values) and parsing the parameter."""

from __future__ import annotations

import pytest

from orchestrator.parameters.domains import parse_domains
from orchestrator.parameters.scaling import InvalidParameterError
from orchestrator.routing.domains import HOSTS_PER_RULE, host_groups


@pytest.mark.parametrize(("custom", "sizes"), [(0, [1]), (4, [5]), (5, [5, 1]), (9, [5, 5]), (10, [5, 5, 1])])
def test_every_rule_has_at_most_five_hosts_and_the_first_the_apps_own(custom: int, sizes: list[int]) -> None:
    hosts = [f"h{i}.example.com" for i in range(custom)]
    groups = host_groups("shop.apps.example.com", hosts)
    assert [len(g) for g in groups] == sizes
    assert all(len(g) <= HOSTS_PER_RULE for g in groups)
    assert groups[0][0] == "shop.apps.example.com"
    assert [h for g in groups for h in g][1:] == hosts


def test_the_apps_own_host_listed_as_a_domain_is_not_repeated() -> None:
    assert host_groups("shop.apps.example.com", ["shop.apps.example.com", "a.example.com"]) == [
        ["shop.apps.example.com", "a.example.com"]
    ]


def test_parse_folds_case_and_trailing_dots_and_drops_repeats() -> None:
    assert parse_domains('["WWW.Example.com.", "www.example.com", "b.example.com"]', "d") == [
        "www.example.com",
        "b.example.com",
    ]
    assert parse_domains("", "d") == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "is not JSON"),
        ('{"a": 1}', "JSON list of host names"),
        ("[1]", "JSON list of host names"),
        ('["not a host"]', "is not a host name"),
        ('["localhost"]', "is not a host name"),
        ('["10.0.0.1"]', "IP address"),
    ],
)
def test_parse_refuses_what_is_not_a_list_of_hosts(text: str, words: str) -> None:
    with pytest.raises(InvalidParameterError, match=words):
        parse_domains(text, "/apppack/apps/shop/domains")
