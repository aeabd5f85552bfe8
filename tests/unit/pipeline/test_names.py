"""Issue 10, defect 6: app and process names make `<app>-<process>` unambiguous."""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from orchestrator.parameters.scaling import InvalidParameterError, parse_scaling
from orchestrator.pipeline.app_registry import AppDeclaration, EcsConfig
from orchestrator.pipeline.apppack_toml import AppPackTomlError, parse_apppack_toml
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.names import app_name_error, process_name_error


@pytest.mark.parametrize("name", ["api-web", "Web", "-web", "web-", "1web", "", "w" * 32])
def test_invalid_process_names(name: str) -> None:
    assert process_name_error(name) is not None


@pytest.mark.parametrize("name", ["web", "worker", "celery_beat", "w2"])
def test_valid_process_names(name: str) -> None:
    assert process_name_error(name) is None


@pytest.mark.parametrize("name", ["pipe-pr12", "shop-pr1", "a-pr0"])
def test_app_names_that_read_as_a_review_app_are_refused(name: str) -> None:
    assert "may not end in -pr<N>" in str(app_name_error(name))


def test_registration_refuses_an_ambiguous_app_name() -> None:
    ecs = EcsConfig(cluster="c", execution_role_arn="e", task_role_arn="t", log_group="l", image_repository_uri="i")
    with pytest.raises(ValidationError, match="may not end in -pr<N>"):
        AppDeclaration(name="pipe-pr12", codebuild_project="p", ecr_repository="r", ecs=ecs)
    assert AppDeclaration(name="shop-api", codebuild_project="p", ecr_repository="r", ecs=ecs).name == "shop-api"


def test_apppack_toml_and_scaling_refuse_a_dashed_process() -> None:
    with pytest.raises(AppPackTomlError, match=r"'api-web' is not a valid process type.*use 'api_web'"):
        parse_apppack_toml('[services.api-web]\ncommand = "x"\n')
    with pytest.raises(InvalidParameterError, match="'api-web' is not a valid process type"):
        parse_scaling('{"api-web": {"cpu": 256, "memory": 512, "min_processes": 1, "max_processes": 1}}')


APPS = ["shop", "shop-api", "shop-api-web", "pipe", "a-b"]
REVIEW_APPS = ["pipe:1", "pipe:12", "a-b:3"]
PROCESSES = ["web", "api", "worker", "pr12", "api_web"]


def test_every_valid_app_and_process_pair_has_its_own_ecs_name() -> None:
    refs = [AppRef(a) for a in APPS + REVIEW_APPS]
    names = [(ref.ecs_name(p), (ref.name, p)) for ref, p in itertools.product(refs, PROCESSES)]
    assert len({n for n, _ in names}) == len(names)


def test_review_app_tags_are_apppacks_and_read_back_to_the_app_key() -> None:
    """Issue 11 item 4: a review app's resources carry appName=<pipeline> and reviewApp=pr/<N>; every reader
    rebuilds the app key `<pipeline>:<N>` from both, and an app's tags stay one tag."""
    from orchestrator.pipeline.apps import AppRef, app_from_tags, app_tags

    assert app_tags(AppRef("pipe:12")) == {"apppack:appName": "pipe", "apppack:reviewApp": "pr/12"}
    assert app_tags(AppRef("shop")) == {"apppack:appName": "shop"}
    assert app_from_tags(app_tags(AppRef("pipe:12"))) == "pipe:12"
    assert app_from_tags({"apppack:appName": "shop"}) == "shop"
    assert app_from_tags({"apppack:reviewApp": "pr/3"}) is None
    assert app_from_tags({"apppack:appName": "pipe", "apppack:reviewApp": "pr/"}) == "pipe"
