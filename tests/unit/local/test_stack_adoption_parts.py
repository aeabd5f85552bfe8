"""What the emulator needs to run on deployed stacks: a deployed function's environment read back as
settings, and the stacks' SSL-only bucket policies evaluated as for a request over TLS."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError

from orchestrator.adapters.clients import client
from orchestrator.local import moto_patches
from orchestrator.settings import Settings
from tests.conftest import fresh_aws


def test_a_functions_environment_gives_back_the_settings_that_produced_it() -> None:
    deployed = Settings(table_name="apppack", subnets=["subnet-1", "subnet-2"], ssm_prefix="acme", aws_max_attempts=3)
    overrides = Settings.overrides_from_environment({**deployed.as_environment(), "AWS_LAMBDA_FUNCTION_NAME": "x"})
    assert overrides["subnets"] == ["subnet-1", "subnet-2"]
    assert overrides["aws_max_attempts"] == 3
    assert Settings().model_copy(update=overrides) == deployed


def test_a_bad_value_in_the_environment_is_refused_as_the_field_would_refuse_it() -> None:
    with pytest.raises(ValidationError, match="pattern"):
        Settings.overrides_from_environment({"ORCHESTRATOR_SSM_PREFIX": "a/b"})


def _policy(bucket: str, condition: dict[str, object] | None) -> str:
    statement = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                 "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}  # fmt: skip
    return json.dumps({"Version": "2012-10-17", "Statement": [{**statement, **({"Condition": condition} if condition else {})}]})


def test_an_ssl_only_bucket_policy_lets_requests_through_and_other_denials_still_hold() -> None:
    moto_patches.apply()
    with fresh_aws():
        s3 = client("s3")
        for bucket, condition in (("ssl-only", {"Bool": {"aws:SecureTransport": "false"}}), ("closed", None)):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, condition))
        s3.put_object(Bucket="ssl-only", Key="k", Body=b"x")
        with pytest.raises(ClientError, match="403"):
            s3.put_object(Bucket="closed", Key="k", Body=b"x")
