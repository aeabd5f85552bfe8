"""Deploy a synthesized cloud assembly (cdk.out) into moto's CloudFormation, as `cdk deploy` would.

The file assets are published to the bootstrap bucket as the CDK CLI publishes them (directories zipped),
the bootstrap version parameter exists, and the stacks are created in dependency order. Two kinds of
resource cannot be created by moto's CloudFormation itself:
- custom resources, which moto would run in Docker (`Custom::AWS`, `Custom::S3BucketNotifications`,
  `Custom::VpcRestrictDefaultSG`): their effect is applied here, through the API;
- types moto's CloudFormation does not model (`AWS::CodeBuild::Project`, ...): created here, through the API.
Each such resource is replaced in the template by a no-op `AWS::CloudFormation::WaitConditionHandle` (so
DependsOn still holds), and every intrinsic in its properties becomes a stack output, so CloudFormation
itself resolves them; once the stack is CREATE_COMPLETE the properties are rebuilt from the outputs and the
resource is created or applied. A type neither moto nor this module covers fails the deploy by name.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.adapters.clients import client

BOOTSTRAP_QUALIFIER = "hnb659fds"
BOOTSTRAP_VERSION = "30"
_INTRINSICS = {"Ref", "Fn::GetAtt", "Fn::Join", "Fn::Sub", "Fn::ImportValue", "Fn::Select", "Fn::If",
               "Fn::FindInMap", "Fn::Base64"}  # fmt: skip
_LISTS = {"Fn::GetAZs", "Fn::Split"}
_OUTPUT_PREFIX = "StandIn"

Properties = dict[str, Any]


class UnsupportedResourceError(ValueError):
    """The template holds a resource type that neither moto's CloudFormation nor a stand-in covers."""


class StackDeployError(RuntimeError):
    """A stack did not reach CREATE_COMPLETE, or a stand-in's API call failed."""


# --- stand-ins ------------------------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _aws_sdk_call(properties: Properties) -> None:
    """AwsCustomResource: the SDK call of its `Create` (JavaScript SDK names, boto3 spells them snake_case)."""
    call = json.loads(properties["Create"])
    service = str(call["service"]).removeprefix("@aws-sdk/client-").replace("-", "").lower()
    getattr(client(service), _snake(str(call["action"]).removesuffix("Command")))(**call.get("parameters", {}))


def _bucket_notifications(properties: Properties) -> None:
    client("s3").put_bucket_notification_configuration(
        Bucket=properties["BucketName"], NotificationConfiguration=properties["NotificationConfiguration"]
    )


def _restrict_default_security_group(properties: Properties) -> None:
    ec2 = client("ec2")
    group = ec2.describe_security_groups(GroupIds=[properties["DefaultSecurityGroupId"]])["SecurityGroups"][0]
    if group.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    if group.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k[:1].lower() + k[1:]): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _codebuild_project(logical_id: str, properties: Properties) -> None:
    source = _camel(properties["Source"])
    if "buildSpec" in source:
        source["buildspec"] = source.pop("buildSpec")
    client("codebuild").create_project(
        name=properties.get("Name", logical_id),
        description=properties.get("Description", ""),
        source={k: v for k, v in source.items() if k in ("type", "location", "buildspec", "gitCloneDepth")},
        artifacts=_camel(properties["Artifacts"]),
        environment=_camel(properties["Environment"]),
        serviceRole=properties["ServiceRole"],
        timeoutInMinutes=int(properties.get("TimeoutInMinutes", 60)),
    )


def _alarm(logical_id: str, properties: Properties) -> None:
    client("cloudwatch").put_metric_alarm(AlarmName=properties.get("AlarmName", logical_id), **{
        k: v for k, v in properties.items() if k != "AlarmName"
    })  # fmt: skip


def _capacity_providers(_logical_id: str, properties: Properties) -> None:
    client("ecs").put_cluster_capacity_providers(
        cluster=properties["Cluster"],
        capacityProviders=properties["CapacityProviders"],
        defaultCapacityProviderStrategy=_camel(properties.get("DefaultCapacityProviderStrategy", [])),
    )


def _event_invoke_config(_logical_id: str, properties: Properties) -> None:
    client("lambda").put_function_event_invoke_config(**properties)


def _bucket_policy(_logical_id: str, properties: Properties) -> None:
    client("s3").put_bucket_policy(Bucket=properties["Bucket"], Policy=json.dumps(properties["PolicyDocument"]))


def _queue_policy(_logical_id: str, properties: Properties) -> None:
    for queue_url in properties["Queues"]:
        client("sqs").set_queue_attributes(
            QueueUrl=queue_url, Attributes={"Policy": json.dumps(properties["PolicyDocument"])}
        )


def _security_group_egress(_logical_id: str, properties: Properties) -> None:
    """A rule from one security group to another (the load balancer's, to the tasks' port)."""
    permission: dict[str, Any] = {"IpProtocol": properties["IpProtocol"]}
    permission.update({k: int(properties[k]) for k in ("FromPort", "ToPort") if k in properties})
    if "DestinationSecurityGroupId" in properties:
        permission["UserIdGroupPairs"] = [{"GroupId": properties["DestinationSecurityGroupId"]}]
    else:
        permission["IpRanges"] = [{"CidrIp": properties["CidrIp"]}]
    client("ec2").authorize_security_group_egress(GroupId=properties["GroupId"], IpPermissions=[permission])


def _secret(logical_id: str, properties: Properties) -> None:
    """A generated secret (the GitHub webhook's), named as its references expect (see _secret_references)."""
    generate = properties.get("GenerateSecretString") or {}
    secrets = client("secretsmanager")
    value = properties.get("SecretString") or secrets.get_random_password(
        PasswordLength=int(generate.get("PasswordLength", 32)),
        ExcludePunctuation=bool(generate.get("ExcludePunctuation", False)),
    )["RandomPassword"]
    secrets.create_secret(
        Name=properties.get("Name") or logical_id, Description=properties.get("Description", ""), SecretString=value
    )


def _function_url(_logical_id: str, properties: Properties) -> None:
    client("lambda").create_function_url_config(
        FunctionName=properties["TargetFunctionArn"], AuthType=properties["AuthType"]
    )


def _secret_references(logical_id: str, properties: Properties) -> dict[str, str]:
    """A partial ARN (no random suffix): Secrets Manager resolves it to the one secret of that name."""
    name = properties.get("Name") or logical_id
    arn = f"arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{name}"
    return {"Ref": arn, "Id": arn}


def _function_url_references(logical_id: str, _properties: Properties) -> dict[str, str]:
    """Lambda picks the URL's host at random; the stack's output names a stand-in (ListFunctionUrlConfigs has the
    real one in the emulator)."""
    return {"FunctionUrl": f"https://{logical_id.lower()}.lambda-url.${{AWS::Region}}.on.aws/"}


def _codebuild_references(logical_id: str, properties: Properties) -> dict[str, str]:
    """What `Ref` and `Fn::GetAtt` of a project give, for the resources that point at it (a Sub string)."""
    name = properties.get("Name")
    if not isinstance(name, str):
        raise UnsupportedResourceError(f"{logical_id}: a CodeBuild project without a literal Name cannot be referenced")
    return {"Ref": name, "Arn": f"arn:${{AWS::Partition}}:codebuild:${{AWS::Region}}:${{AWS::AccountId}}:project/{name}"}


# What other resources may read of an API-created resource (Ref and GetAtt), as Fn::Sub strings.
REFERENCES: dict[str, Callable[[str, Properties], dict[str, str]]] = {
    "AWS::CodeBuild::Project": _codebuild_references,
    "AWS::SecretsManager::Secret": _secret_references,
    "AWS::Lambda::Url": _function_url_references,
}

# Custom resources: what their Lambda would do on Create.
CUSTOM_RESOURCES: dict[str, Callable[[Properties], None]] = {
    "Custom::AWS": _aws_sdk_call,
    "Custom::S3BucketNotifications": _bucket_notifications,
    "Custom::VpcRestrictDefaultSG": _restrict_default_security_group,
}
# Types moto's CloudFormation does not model, created through their APIs.
API_CREATED: dict[str, Callable[[str, Properties], None]] = {
    "AWS::CodeBuild::Project": _codebuild_project,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::EC2::SecurityGroupEgress": _security_group_egress,
    "AWS::ECS::ClusterCapacityProviderAssociations": _capacity_providers,
    "AWS::Lambda::EventInvokeConfig": _event_invoke_config,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::Lambda::Url": _function_url,
}


# --- templates ------------------------------------------------------------------------------------------


@dataclass
class Deferred:
    logical_id: str
    type: str
    skeleton: Any  # the properties, with each intrinsic replaced by {"__output__": name, "list": bool}


@dataclass
class PreparedTemplate:
    template: dict[str, Any]
    deferred: list[Deferred] = field(default_factory=list)


def moto_resource_types() -> set[str]:
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    return set(get_model_map()) | set(NULL_MODELS)


def prepare(template: dict[str, Any], supported: set[str]) -> PreparedTemplate:
    """Replace what moto cannot create by stand-ins whose properties CloudFormation resolves into outputs."""
    template = copy.deepcopy(template)
    prepared = PreparedTemplate(template)
    outputs = template.setdefault("Outputs", {})
    originals_properties = {k: v.get("Properties", {}) for k, v in template["Resources"].items()}
    unsupported = []
    for logical_id, resource in template["Resources"].items():
        kind = resource["Type"]
        if kind in supported:
            continue
        if kind not in CUSTOM_RESOURCES and kind not in API_CREATED:
            unsupported.append(f"{logical_id} ({kind})")
            continue
        counter = iter(range(10_000))

        def lift(value: Any, logical_id: str = logical_id, counter: Any = counter) -> Any:
            if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _INTRINSICS | _LISTS:
                name = f"{_OUTPUT_PREFIX}{logical_id}{next(counter)}"
                is_list = next(iter(value)) in _LISTS
                outputs[name] = {"Value": {"Fn::Join": [",", value]} if is_list else value}
                return {"__output__": name, "list": is_list}
            if isinstance(value, dict):
                return {k: lift(v) for k, v in value.items()}
            if isinstance(value, list):
                return [lift(v) for v in value]
            return value

        skeleton = lift(resource.get("Properties", {}))
        skeleton.pop("ServiceToken", None)
        prepared.deferred.append(Deferred(logical_id, kind, skeleton))
        template["Resources"][logical_id] = {"Type": "AWS::CloudFormation::WaitConditionHandle",
                                             **({"DependsOn": resource["DependsOn"]} if "DependsOn" in resource else {})}  # fmt: skip
    replaced = {d.logical_id: d.type for d in prepared.deferred}
    template["Resources"] = {k: _rewrite(v, replaced, originals_properties, k)
                             for k, v in template["Resources"].items()}  # fmt: skip
    template["Outputs"] = {k: _rewrite(v, replaced, originals_properties, k) for k, v in outputs.items()}
    if unsupported:
        raise UnsupportedResourceError(
            "resources neither moto's CloudFormation nor a stand-in can create: " + ", ".join(unsupported)
        )
    return prepared


def _rewrite(value: Any, replaced: dict[str, str], properties: dict[str, Properties], where: str) -> Any:
    """Point `Ref`/`Fn::GetAtt` of replaced resources at what they would have given (REFERENCES)."""
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        target, attribute = None, "Ref"
        if function == "Ref" and argument in replaced:
            target = argument
        elif function == "Fn::GetAtt":
            parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
            if parts[0] in replaced:
                target, attribute = parts[0], parts[1]
        if target is not None:
            kind = replaced[target]
            provider = REFERENCES.get(kind)
            references = provider(target, properties[target]) if provider else {}
            if attribute not in references:
                raise UnsupportedResourceError(
                    f"{where} reads {attribute} of {target} ({kind}), which no stand-in provides"
                )
            return {"Fn::Sub": references[attribute]}
    if isinstance(value, dict):
        return {k: _rewrite(v, replaced, properties, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, replaced, properties, where) for v in value]
    return value


def _fill(skeleton: Any, outputs: dict[str, str]) -> Any:
    if isinstance(skeleton, dict) and "__output__" in skeleton:
        value = outputs[skeleton["__output__"]]
        return value.split(",") if skeleton["list"] else value
    if isinstance(skeleton, dict):
        return {k: _fill(v, outputs) for k, v in skeleton.items()}
    if isinstance(skeleton, list):
        return [_fill(v, outputs) for v in skeleton]
    return skeleton


# --- assets and stacks ----------------------------------------------------------------------------------


def _zip_directory(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(path.relative_to(directory)), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def publish_assets(cdk_out: Path, account: str, region: str) -> int:
    """Upload every file asset where the templates expect it (as `cdk deploy` / cdk-assets do)."""
    s3 = client("s3")
    published = 0
    for manifest in sorted(cdk_out.glob("*.assets.json")):
        for asset in json.loads(manifest.read_text()).get("files", {}).values():
            source = cdk_out / asset["source"]["path"]
            body = _zip_directory(source) if asset["source"].get("packaging") == "zip" else source.read_bytes()
            for destination in asset["destinations"].values():
                bucket = destination["bucketName"].replace("${AWS::AccountId}", account)
                bucket = bucket.replace("${AWS::Region}", region)
                with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
                    s3.create_bucket(Bucket=bucket)
                s3.put_object(Bucket=bucket, Key=destination["objectKey"], Body=body)
                published += 1
    return published


def stack_order(cdk_out: Path) -> list[str]:
    artifacts = json.loads((cdk_out / "manifest.json").read_text())["artifacts"]
    stacks = {k: v for k, v in artifacts.items() if v["type"] == "aws:cloudformation:stack"}
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dependency in stacks[name].get("dependencies", []):
            if dependency in stacks:
                visit(dependency)
        ordered.append(name)

    for name in sorted(stacks):
        visit(name)
    return ordered


def deploy_stack(name: str, template: dict[str, Any], supported: set[str]) -> dict[str, str]:
    """Create the stack, then its stand-ins; returns the stack's own outputs."""
    prepared = prepare(template, supported)
    cloudformation = client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(prepared.template),
                                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])  # fmt: skip
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        raise StackDeployError(f"stack {name}: {stack['StackStatus']} {stack.get('StackStatusReason', '')}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    for item in prepared.deferred:
        properties = _fill(item.skeleton, outputs)
        try:
            if item.type in CUSTOM_RESOURCES:
                CUSTOM_RESOURCES[item.type](properties)
            else:
                API_CREATED[item.type](item.logical_id, properties)
        except Exception as error:  # any API error names the resource that could not be stood in for
            raise StackDeployError(f"stack {name}: stand-in for {item.logical_id} ({item.type}) failed: {error}") from error
    return {k: v for k, v in outputs.items() if not k.startswith(_OUTPUT_PREFIX)}


def deploy_cloud_assembly(cdk_out: Path, account: str, region: str) -> dict[str, dict[str, str]]:
    """Publish the assets and create every stack of `cdk_out`; returns each stack's outputs."""
    client("ssm").put_parameter(Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version", Value=BOOTSTRAP_VERSION,
                                Type="String", Overwrite=True)  # fmt: skip
    publish_assets(cdk_out, account, region)
    supported = moto_resource_types()
    deployed = {}
    artifacts = json.loads((cdk_out / "manifest.json").read_text())["artifacts"]
    for name in stack_order(cdk_out):
        template = json.loads((cdk_out / f"{name}.template.json").read_text())
        # The stack's own name where the app sets one (AppPack's `apppack-app-<name>`), as `cdk deploy` uses it.
        stack = str(artifacts[name].get("properties", {}).get("stackName") or name)
        deployed[name] = deploy_stack(stack, template, supported)
    return deployed
