"""The fast botocore data loader reads the same models as botocore's, finds the same services, honours the same
search paths and raises the same errors; only its work differs (one service's directories, plain dicts)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError

from orchestrator.adapters import botocore_data, clients

SERVICES = ["dynamodb", "ecs", "application-autoscaling", "ssm", "s3", "codebuild", "events", "logs", "sts"]


@pytest.fixture(scope="module")
def loaders() -> tuple[botocore.loaders.Loader, botocore_data.FastLoader]:
    return botocore.loaders.create_loader(), botocore_data.create_loader()


@pytest.mark.parametrize("service", SERVICES)
def test_each_model_is_botocores_in_the_same_order(loaders: Any, service: str) -> None:
    theirs, ours = loaders
    for type_name in ("service-2", "endpoint-rule-set-1"):
        expected, loaded = theirs.load_service_model(service, type_name), ours.load_service_model(service, type_name)
        assert json.dumps(loaded) == json.dumps(expected)  # order included: dumps follows insertion order
        assert type(loaded) is dict
    assert json.dumps(ours.load_data("endpoints")) == json.dumps(theirs.load_data("endpoints"))


def test_membership_matches_botocores_listing(loaders: Any) -> None:
    theirs, ours = loaders
    for type_name in ("service-2", "paginators-1", "waiters-2"):
        listed = theirs.list_available_services(type_name)
        known = ours.list_available_services(type_name)
        assert all(service in known for service in listed)
        assert not any(name in known for name in ["nosuch", "", "../botocore", "dynamodb/2012-08-10", 3])
        assert list(known) == listed
        assert len(known) == len(listed)
        assert known[0] == listed[0]


def test_a_known_service_is_found_without_listing_the_others(loaders: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _, ours = loaders
    listed: list[str] = []
    real_listdir = os.listdir

    def counting_listdir(path: Any) -> list[str]:
        listed.append(str(path))
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", counting_listdir)
    assert "ecs" in ours.list_available_services("service-2")
    assert listed
    assert all(Path(path).name == "ecs" for path in listed)  # never the data directory itself


def test_an_unknown_service_raises_botocores_error() -> None:
    session = botocore_data.botocore_session()
    with pytest.raises(UnknownServiceError, match=r"Unknown service: 'nosuch'\. Valid service names are: .*dynamodb"):
        session.create_client("nosuch", region_name="us-east-1")


def test_aws_data_path_still_adds_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model under AWS_DATA_PATH (here a copy of STS named `sts-copy`, gzipped as botocore ships some) is
    found and built like a bundled one."""
    builtin = Path(botocore.__file__).parent / "data" / "sts"
    version = sorted(p.name for p in builtin.iterdir())[-1]
    target = tmp_path / "sts-copy" / version
    target.mkdir(parents=True)
    for name in ("service-2", "endpoint-rule-set-1"):
        source = next(builtin.joinpath(version).glob(f"{name}.json*"))
        shutil.copy(source, target / source.name)
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    built = botocore_data.botocore_session().create_client(
        "sts-copy", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    assert built.meta.service_model.service_name == "sts-copy"
    assert "get_caller_identity" in dir(built)


def test_the_clients_are_built_with_the_fast_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    session = clients.default_session()
    assert isinstance(session._session.get_component("data_loader"), botocore_data.FastLoader)
    assert clients.default_session() is session
