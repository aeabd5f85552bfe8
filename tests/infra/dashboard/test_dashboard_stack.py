"""The dashboard's stack (context `dashboard=true`): a private site behind CloudFront, Cognito sign-in with MFA,
and an identity pool that gives a signed-in person only the users roles of the apps whose group they are in.

Synthesized here, apart from the shared synthesis of tests/infra (which moto's CloudFormation deploys, and
which has no stand-ins for CloudFront and Cognito), with the same cdk-nag plugin."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


from infra.app_stack import USERS_ROLE_PATH
from infra.config import ConfigError, load_config
from infra.dashboard_stack import site_folder
from tests.infra.conftest import (
    APPS,
    FEATURE_FLAGS,
    SSM_PREFIX,
    Synth,
    as_list,
    no_default_environment,
    render,
    synthesize,
)

SITE = Path(__file__).parent / "site"  # stands in for `make dashboard`'s output
DASHBOARD = "OrchestratorDashboard"
APP_DATA_SERVICES = ("dynamodb:", "ssm:", "ecs:", "logs:", "codebuild:", "kms:", "secretsmanager:")


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    context = {**FEATURE_FLAGS, "apps": APPS, "ssmPrefix": SSM_PREFIX, "dashboard": True, "dashboardSite": str(SITE)}
    with no_default_environment():
        yield synthesize(tmp_path_factory.mktemp("cdk.out"), context)


def of_type(synth: Synth, stack: str, resource_type: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in synth.resources(stack, resource_type).values()]


def test_synthesizes_clean_under_cdk_nag(synth: Synth) -> None:
    assert synth.error is None, synth.error
    assert DASHBOARD in synth.templates


def test_the_site_bucket_is_private_and_read_only_by_the_distribution(synth: Synth) -> None:
    template = synth.templates[DASHBOARD]["Resources"]
    (site_id,) = [k for k, r in template.items() if r["Type"] == "AWS::S3::Bucket" and k.startswith("Site")]
    site = template[site_id]["Properties"]
    assert site["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (oac,) = of_type(synth, DASHBOARD, "AWS::CloudFront::OriginAccessControl")
    assert oac["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    policies = [p for p in of_type(synth, DASHBOARD, "AWS::S3::BucketPolicy") if p["Bucket"] == {"Ref": site_id}]
    readers = [
        s
        for p in policies
        for s in p["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow" and "s3:GetObject" in as_list(s["Action"])
    ]
    (reader,) = readers
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "Distribution" in render(reader["Condition"]["StringEquals"]["AWS:SourceArn"])


def test_the_distribution_serves_https_with_security_headers_and_logs(synth: Synth) -> None:
    (distribution,) = of_type(synth, DASHBOARD, "AWS::CloudFront::Distribution")
    config = distribution["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultRootObject"] == "index.html"
    assert "Logging" in config
    (headers,) = of_type(synth, DASHBOARD, "AWS::CloudFront::ResponseHeadersPolicy")
    security = headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "connect-src 'self' https://*.amazonaws.com https://*.amazoncognito.com" in csp
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def test_users_sign_in_with_mfa_and_are_invited_not_self_registered(synth: Synth) -> None:
    (pool,) = of_type(synth, DASHBOARD, "AWS::Cognito::UserPool")
    assert pool["MfaConfiguration"] == "ON"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    (client,) = of_type(synth, DASHBOARD, "AWS::Cognito::UserPoolClient")
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"]
    assert [render(u) for u in client["CallbackURLs"]] == ["https://<Distribution830FAC52.DomainName>/"]


def test_the_identity_pool_gives_only_the_role_the_token_names(synth: Synth) -> None:
    (pool,) = of_type(synth, DASHBOARD, "AWS::Cognito::IdentityPool")
    assert pool["AllowUnauthenticatedIdentities"] is False
    (attachment,) = of_type(synth, DASHBOARD, "AWS::Cognito::IdentityPoolRoleAttachment")
    (mapping,) = attachment["RoleMappings"].values()
    assert mapping["Type"] == "Token"
    assert mapping["AmbiguousRoleResolution"] == "Deny"


def test_nothing_in_the_dashboard_stack_can_read_app_data(synth: Synth) -> None:
    actions = [
        action
        for policy in of_type(synth, DASHBOARD, "AWS::IAM::Policy")
        for statement in policy["PolicyDocument"]["Statement"]
        for action in as_list(statement["Action"])
    ]
    assert actions, "the deployment function's policy is expected here"
    assert [a for a in actions if a.startswith(APP_DATA_SERVICES)] == []
    roles = of_type(synth, DASHBOARD, "AWS::IAM::Role")
    identity_roles = [r for r in roles if "Identity Pool" in render(r.get("Description", ""))]
    assert len(identity_roles) == 2
    assert all("Policies" not in r and "ManagedPolicyArns" not in r for r in identity_roles)


def test_each_app_group_carries_that_apps_users_role_and_the_role_trusts_the_pool(synth: Synth) -> None:
    for app in APPS:
        stack = synth.stacks.apps[app["name"]].stack_name
        template_name = f"OrchestratorApp-{app['name']}"
        (group,) = of_type(synth, template_name, "AWS::Cognito::UserPoolGroup")
        assert group["GroupName"] == app["name"]
        assert "Users" in render(group["UserPoolId"])
        roles = synth.resources(template_name, "AWS::IAM::Role")
        (users_id,) = [k for k in roles if k.startswith("UsersRole")]
        assert group["RoleArn"] == {"Fn::GetAtt": [users_id, "Arn"]}, stack
        users = roles[users_id]["Properties"]
        assert users["Path"] == f"{USERS_ROLE_PATH}{app['name']}/"
        account, dashboard = users["AssumeRolePolicyDocument"]["Statement"]
        assert account["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        assert dashboard["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
        assert dashboard["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert "Identities" in render(dashboard["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"])
        assert dashboard["Condition"]["ForAnyValue:StringLike"] == {"cognito-identity.amazonaws.com:amr": "authenticated"}


def test_config_json_carries_the_contract_the_site_reads(synth: Synth) -> None:
    deployments = of_type(synth, DASHBOARD, "Custom::CDKBucketDeployment")
    (entry,) = [d for d in deployments if "DistributionId" in d]
    markers = {k: render(v) for source in entry["SourceMarkers"] for k, v in source.items()}
    # The json_data source is an asset folder holding config.json with those markers for deploy-time values.
    (config_file,) = synth.outdir.glob("asset.*/config.json")
    config_text = config_file.read_text()
    for marker, value in markers.items():
        config_text = config_text.replace(marker, value)
    config = json.loads(config_text)
    assert set(config) == {"region", "tableName", "parameterPrefix", "cluster", "auth"}  # no endpoint: AWS's own
    assert config["parameterPrefix"] == f"/{SSM_PREFIX}"
    assert "Table" in config["tableName"]
    assert config["auth"]["mode"] == "cognito"
    assert set(config["auth"]) == {"mode", "userPoolId", "userPoolClientId", "identityPoolId", "domain", "redirectUri"}
    assert config["auth"]["redirectUri"] == "https://<Distribution830FAC52.DomainName>/"
    assert ".auth." in config["auth"]["domain"]
    assert config["auth"]["domain"].endswith(".amazoncognito.com")


def test_entry_files_are_never_cached_and_hashed_files_are_immutable(synth: Synth) -> None:
    deployments = of_type(synth, DASHBOARD, "Custom::CDKBucketDeployment")
    by_cache = {d["SystemMetadata"]["cache-control"]: d for d in deployments}
    assert set(by_cache) == {"no-cache", "public, max-age=31536000, immutable"}
    entry = by_cache["no-cache"]
    assert sorted(entry["DistributionPaths"]) == ["/", "/config.json", "/index.html"]
    assert all(d["Prune"] is False for d in deployments)


def test_a_missing_site_fails_synthesis_with_the_command_that_builds_it(tmp_path: Path) -> None:
    config = load_config({"dashboard": "true", "dashboardSite": str(tmp_path / "dist")})
    with pytest.raises(ConfigError, match="make dashboard"):
        site_folder(config)
    assert site_folder(load_config({"dashboard": "true", "dashboardSite": str(SITE)})) == SITE


@pytest.mark.parametrize("prefix", ["my-aws-team", "cognito-ops", "Upper", "-x"])
def test_a_sign_in_domain_prefix_cognito_refuses_is_refused(prefix: str) -> None:
    with pytest.raises(ConfigError, match=r"dashboardAuthDomain|dashboard_auth_domain"):
        load_config({"dashboardAuthDomain": prefix})
