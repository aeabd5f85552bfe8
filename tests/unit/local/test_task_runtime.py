"""Local images (a build's snapshot of its source) and how a task definition names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.local.task_runtime import METADATA_IN_IMAGE, LocalImages, container_launch, parameter_name
from orchestrator.routing.urls import app_url

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def test_a_snapshot_is_the_image_of_its_build_with_the_commits_changes(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / ".git").mkdir(parents=True)
    (source / "Procfile").write_text("web: python app.py\n")
    images = LocalImages(tmp_path / "images")
    def metadata(snapshot: Path) -> str:  # made from the snapshot, the commit's changes applied
        return f"procfile = {(snapshot / 'Procfile').read_text()!r}\n"

    folder = images.build("orchestrator/shop", 2, source, metadata, {"Procfile": "web: changed\n"})
    assert images.for_image(f"{REGISTRY}/orchestrator/shop:build-2") == folder
    assert (folder / "Procfile").read_text() == "web: changed\n"
    assert (folder / METADATA_IN_IMAGE).read_text() == "procfile = 'web: changed\\n'\n"
    assert not (folder / ".git").exists()
    (source / "Procfile").write_text("web: later\n")  # the folder changes; the image does not
    assert (folder / "Procfile").read_text() == "web: changed\n"
    assert images.for_image(f"{REGISTRY}/orchestrator/shop:build-3") is None
    assert images.for_image(f"{REGISTRY}/orchestrator/shop@sha256:00") is None
    with pytest.raises(ValueError, match="outside the source"):
        images.build("orchestrator/shop", 3, source, lambda _: "", {"../escape": "x"})


def test_a_task_definition_without_a_local_image_has_no_launch(tmp_path: Path) -> None:
    definition = {"family": "shop-web", "containerDefinitions": [{"name": "app", "image": f"{REGISTRY}/x:build-1"}]}
    assert container_launch(definition, LocalImages(tmp_path)) is None


def test_a_launch_takes_the_override_command_and_the_awslogs_prefix(tmp_path: Path) -> None:
    images = LocalImages(tmp_path)
    source = tmp_path / "src"
    source.mkdir()
    images.build("orchestrator/shop", 1, source, lambda _: "")
    container = {
        "name": "app", "image": f"{REGISTRY}/orchestrator/shop:build-1", "command": ["python", "app.py"],
        "environment": [{"name": "PORT", "value": "8000"}], "portMappings": [{"containerPort": 8000}],
        "logConfiguration": {"options": {"awslogs-group": "/orchestrator/apps/shop", "awslogs-stream-prefix": "shop-web"}},
    }  # fmt: skip
    definition = {"family": "shop-web", "containerDefinitions": [container]}
    overrides = {"containerOverrides": [{"name": "app", "command": ["true"], "environment": [{"name": "A", "value": "1"}]}]}
    launch = container_launch(definition, images, overrides)
    assert launch is not None
    assert (launch.argv, launch.environment, launch.log_group, launch.stream_prefix, launch.listens) == (
        ["true"], {"PORT": "8000", "A": "1"}, "/orchestrator/apps/shop", "shop-web/app", True
    )
    assert launch.cwd == images.folder("orchestrator/shop", 1)


def test_a_secrets_value_from_is_a_parameter_name() -> None:
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/apppack/apps/shop/config/KEY"
    assert parameter_name(arn) == "/apppack/apps/shop/config/KEY"
    assert parameter_name("/apppack/apps/shop/config/KEY") == "/apppack/apps/shop/config/KEY"


def test_app_urls_by_where_the_host_is_served() -> None:
    assert app_url([], 8080) is None
    assert app_url(["shop.localhost"], 8080) == "http://shop.localhost:8080"
    assert app_url(["shop.orchestrator-1.us-east-1.elb.amazonaws.com"]) == "http://shop.orchestrator-1.us-east-1.elb.amazonaws.com"
    assert app_url(["shop.apps.example.com", "www.shop.com"]) == "https://shop.apps.example.com"
