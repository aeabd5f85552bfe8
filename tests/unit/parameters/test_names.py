"""Parameter names → typed references; everything else is not managed."""

from __future__ import annotations

import pytest

from orchestrator.parameters.names import ParameterKind, Target, kind_name, parse_parameter_name


@pytest.mark.parametrize(
    ("name", "kind", "target", "variable"),
    [
        ("/apppack/apps/demo/config/DATABASE_URL", ParameterKind.CONFIG, Target("app", "demo"), "DATABASE_URL"),
        ("apppack/apps/demo/config/X", ParameterKind.CONFIG, Target("app", "demo"), "X"),
        ("/apppack/apps/demo/scaling", ParameterKind.SCALING, Target("app", "demo"), None),
        ("/apppack/apps/my-app/scheduled-tasks", ParameterKind.SCHEDULED_TASKS, Target("app", "my-app"), None),
        ("/apppack/apps/demo/users", ParameterKind.USERS, Target("app", "demo"), None),
        ("/apppack/apps/demo/domains", ParameterKind.DOMAINS, Target("app", "demo"), None),
        (
            "/apppack/pipelines/pipe/review-apps/pr/3/domains",
            ParameterKind.DOMAINS,
            Target("review_app", "pipe", "3"),
            None,
        ),
        ("/apppack/account/administrators", ParameterKind.ADMINISTRATORS, Target("account", "account"), None),
        ("/apppack/pipelines/pipe/config/A", ParameterKind.CONFIG, Target("pipeline", "pipe"), "A"),
        ("/apppack/pipelines/pipe/scaling", ParameterKind.SCALING, Target("pipeline", "pipe"), None),
        ("/apppack/pipelines/pipe/users", ParameterKind.USERS, Target("pipeline", "pipe"), None),
        (
            "/apppack/pipelines/pipe/review-apps/pr/12/config/A",
            ParameterKind.CONFIG,
            Target("review_app", "pipe", "12"),
            "A",
        ),
        (
            "/apppack/pipelines/pipe/review-apps/pr/12/scheduled-tasks",
            ParameterKind.SCHEDULED_TASKS,
            Target("review_app", "pipe", "12"),
            None,
        ),
    ],
)
def test_managed_names(name: str, kind: ParameterKind, target: Target, variable: str | None) -> None:
    ref = parse_parameter_name(name, "apppack")
    assert ref is not None
    assert (ref.kind, ref.target, ref.variable) == (kind, target, variable)
    assert ref.name.startswith("/")


@pytest.mark.parametrize(
    "name",
    [
        "MyExampleParameter",
        "golden-ami",
        "/other/apps/demo/scaling",
        "/apppackx/apps/demo/scaling",
        "/apppack/apps/demo/unknown",
        "/apppack/apps/demo/config",
        "/apppack/apps/demo/config/",
        "/apppack/apps/demo/config/A/B",
        "/apppack/apps/Demo/scaling",
        "/apppack/apps/demo/scaling/extra",
        "/apppack/pipelines/pipe/review-apps/pr/0/scaling",
        "/apppack/pipelines/pipe/review-apps/pr/x/scaling",
        "/apppack/pipelines/pipe/review-apps/pr/1/users/x",
        "/apppack/account/other",
        "/apppack/apps/demo/config/A;rm -rf",
    ],
)
def test_foreign_names_are_not_managed(name: str) -> None:
    assert parse_parameter_name(name, "apppack") is None


def test_prefix_is_configurable_and_escaped() -> None:
    assert parse_parameter_name("/my.prefix/apps/demo/scaling", "my.prefix") is not None
    assert parse_parameter_name("/myXprefix/apps/demo/scaling", "my.prefix") is None


def test_target_keys_follow_the_apppack_layout() -> None:
    review = Target("review_app", "pipe", "12")
    assert (review.key, review.pk) == ("pipe:12", "APP#pipe:12")
    assert Target("app", "demo").pk == "APP#demo"
    assert kind_name(review, ParameterKind.SCALING, "apppack") == "/apppack/pipelines/pipe/review-apps/pr/12/scaling"


def test_a_deployed_app_key_names_an_app_or_a_review_app() -> None:
    assert Target.of_deployed("demo") == Target("app", "demo")
    assert Target.of_deployed("pipe:12") == Target("review_app", "pipe", "12")
    assert Target.of_deployed("pipe:12").key == "pipe:12"
