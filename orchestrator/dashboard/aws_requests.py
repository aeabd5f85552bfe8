"""What IAM evaluates for a browser's AWS request: its action, the resources it names and its condition keys.

The dashboard's SDK clients speak the JSON protocols (DynamoDB, SSM, ECS, CodeBuild, CloudWatch Logs): the
operation is the `X-Amz-Target` header and the resources are fields of the JSON body. The one S3 call it makes
(GetObject of an uploaded build log) is REST: a path-style `GET /<bucket>/<key>`. The resource ARNs are
built the way each service authorizes them (its "resource types" in the Service Authorization Reference).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.iam.evaluation import IamRequest

# X-Amz-Target prefix → IAM service prefix.
_SERVICES = {
    "DynamoDB_20120810": "dynamodb",
    "AmazonSSM": "ssm",
    "AmazonEC2ContainerServiceV20141113": "ecs",
    "CodeBuild_20161006": "codebuild",
    "Logs_20140328": "logs",
}
HASH_KEY = "primary_id"  # the table's hash key (DESIGN.md): what dynamodb:LeadingKeys is about


class UnknownTarget(ValueError):
    """A request that is not one of the JSON-protocol services the dashboard uses."""


@dataclass(frozen=True)
class Account:
    region: str
    account_id: str

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


def iam_request(target: str, body: Mapping[str, Any], account: Account) -> IamRequest:
    prefix, _, operation = target.partition(".")
    service = _SERVICES.get(prefix)
    if service is None or not operation:
        raise UnknownTarget(f"X-Amz-Target {target!r} is not a service the dashboard uses")
    action = f"{service}:{operation}"
    reader = {"dynamodb": _dynamodb, "ssm": _ssm, "ecs": _ecs, "codebuild": _codebuild, "logs": _logs}[service]
    resources, context = reader(operation, body, account)
    return IamRequest(action, tuple(resources), context)


Found = tuple[list[str], dict[str, tuple[str, ...]]]


def _ssm(operation: str, body: Mapping[str, Any], account: Account) -> Found:
    names = [body["Name"]] if "Name" in body else list(body.get("Names", [])) or ([body["Path"]] if "Path" in body else [])
    if not names:
        return ["*"], {}
    return [account.arn("ssm", "parameter/" + str(n).lstrip("/")) for n in names], {}


def _leading_key(key: Mapping[str, Any]) -> str:
    value = key.get(HASH_KEY, {})
    return str(value.get("S", "")) if isinstance(value, Mapping) else ""


def _query_leading_keys(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The hash-key values a Query's KeyConditionExpression compares with `=`."""
    names = body.get("ExpressionAttributeNames") or {}
    values = body.get("ExpressionAttributeValues") or {}
    found = []
    for name, placeholder in re.findall(r"(#?[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(:[A-Za-z0-9_]+)", str(body.get("KeyConditionExpression", ""))):
        if names.get(name, name) == HASH_KEY:
            found.append(str((values.get(placeholder) or {}).get("S", "")))
    return tuple(found) or ("",)  # a Query without a hash-key equality names no key a policy can allow


def _dynamodb(operation: str, body: Mapping[str, Any], account: Account) -> Found:
    if operation == "BatchGetItem":
        items = body.get("RequestItems") or {}
        tables = [account.arn("dynamodb", f"table/{t}") for t in items]
        keys = tuple(_leading_key(k) for request in items.values() for k in request.get("Keys", []))
        return tables, {"dynamodb:LeadingKeys": keys}
    table = [account.arn("dynamodb", f"table/{body.get('TableName', '')}")]
    if operation == "Query":
        return table, {"dynamodb:LeadingKeys": _query_leading_keys(body)}
    if "Key" in body:
        return table, {"dynamodb:LeadingKeys": (_leading_key(body["Key"]),)}
    if "Item" in body:
        return table, {"dynamodb:LeadingKeys": (_leading_key(body["Item"]),)}
    return table, {}


def _cluster_arn(cluster: str, account: Account) -> str:
    return cluster if cluster.startswith("arn:") else account.arn("ecs", f"cluster/{cluster}")


def _ecs(operation: str, body: Mapping[str, Any], account: Account) -> Found:
    cluster = _cluster_arn(str(body.get("cluster") or "default"), account)
    cluster_name = cluster.rsplit("/", 1)[-1]
    context: dict[str, tuple[str, ...]] = {"ecs:cluster": (cluster,)}
    if body.get("taskDefinition"):  # `family:revision`, `family` or an ARN, as ECS accepts it
        task_definition = str(body["taskDefinition"])
        arn = task_definition if task_definition.startswith("arn:") else account.arn("ecs", f"task-definition/{task_definition}")
        context["ecs:task-definition"] = (arn,)

    def service(name: str) -> str:
        return name if name.startswith("arn:") else account.arn("ecs", f"service/{cluster_name}/{name}")

    if "services" in body:
        return [service(str(s)) for s in body["services"]], context
    if "service" in body:
        return [service(str(body["service"]))], context
    if "tasks" in body:
        tasks = [str(t) if str(t).startswith("arn:") else account.arn("ecs", f"task/{cluster_name}/{t}") for t in body["tasks"]]
        return tasks, context
    return ["*"], context


def _codebuild(operation: str, body: Mapping[str, Any], account: Account) -> Found:
    projects = [str(body["projectName"])] if "projectName" in body else []
    projects += [str(i).rsplit(":", 1)[0] for i in body.get("ids", [])]  # a build id is <project>:<uuid>
    projects += [str(body["id"]).rsplit(":", 1)[0]] if "id" in body else []
    if not projects:
        return ["*"], {}
    return sorted({account.arn("codebuild", f"project/{p}") for p in projects}), {}


def _logs(operation: str, body: Mapping[str, Any], account: Account) -> Found:
    group = body.get("logGroupName")
    if group is None:
        return ["*"], {}
    if operation == "GetLogEvents" and "logStreamName" in body:
        return [account.arn("logs", f"log-group:{group}:log-stream:{body['logStreamName']}")], {}
    return [account.arn("logs", f"log-group:{group}:*")], {}


def s3_get_request(path: str) -> IamRequest:
    """`GET /<bucket>/<key>` (path-style, as the page's S3 client sends it): s3:GetObject on the object.
    Anything else (a bucket listing, a query naming another operation) is not a request the page makes."""
    route, _, query = path.partition("?")
    bucket, _, key = urllib.parse.unquote(route.lstrip("/")).partition("/")
    operations = urllib.parse.parse_qs(query).get("x-id", ["GetObject"])
    if not bucket or not key or operations != ["GetObject"]:
        raise UnknownTarget(f"GET {route!r} is not an S3 GetObject of one object")
    return IamRequest("s3:GetObject", (f"arn:aws:s3:::{bucket}/{key}",), {})
