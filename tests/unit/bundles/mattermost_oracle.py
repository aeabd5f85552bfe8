"""Mattermost's own algorithms, ported from mattermost-plugin-apps' Go as test oracles.

Written line by line after the Go (`upstream/upaws/client_lambda.go` LambdaName, `client_s3.go`
S3StaticName/S3ManifestName/ParseS3ManifestName, `upstream.go` match, `server/proxy/invoke_call.go` with
`utils.CleanPath`, Go's `path.Clean`, and `apps/deploy*.go` Validate), bugs included, and independent of
the orchestrator's code: the tests compare the orchestrator with what a Mattermost server computes.
"""

from __future__ import annotations

import hashlib
from typing import Any

MAX_LAMBDA_NAME = 64


def lambda_name(app_id: str, version: str, function: str) -> str:
    """upaws.LambdaName."""
    sanitized_app_id = app_id.replace(".", "-")
    sanitized_version = version.replace(".", "-")
    sanitized_function = function.replace(" ", "-")
    name = f"{sanitized_app_id}_{sanitized_version}_{sanitized_function}"
    if len(name) <= MAX_LAMBDA_NAME:
        return name
    function_name_length = MAX_LAMBDA_NAME - len(app_id) - len(version) - 2
    hash_string = hashlib.sha256(name.encode()).hexdigest()
    if len(hash_string) > function_name_length:
        hash_string = hash_string[:function_name_length]
    return f"{app_id}_{version}_{hash_string}"  # the unsanitized app id and version: upstream's bug


def s3_static_name(app_id: str, version: str, name: str) -> str:
    return f"static/{app_id}_{version}_app/{name.replace(' ', '-')}"


def s3_manifest_name(app_id: str, version: str) -> str:
    return f"manifests/{app_id}_{version}.json"


def parse_s3_manifest_name(key: str) -> tuple[str, str] | None:
    """ParseS3ManifestName (applied to the key without `manifests/`): splits at the last `_`."""
    i = key.rfind("_")
    if i == -1 or not key.endswith(".json"):
        return None
    key = key[: -len(".json")]
    return key[:i], key[i + 1 :]


def go_path_clean(path: str) -> str:
    """Go's path.Clean, by its lexical algorithm."""
    if path == "":
        return "."
    rooted = path[0] == "/"
    n = len(path)
    out: list[str] = []
    r = dotdot = 0
    if rooted:
        out.append("/")
        r = dotdot = 1
    while r < n:
        if path[r] == "/" or (path[r] == "." and (r + 1 == n or path[r + 1] == "/")):  # empty or `.` element
            r += 1
        elif path[r] == "." and path[r + 1] == "." and (r + 2 == n or path[r + 2] == "/"):
            r += 2
            if len(out) > dotdot:  # backtrack to the last `/` (Go moves its write index `w` back)
                w = len(out) - 1
                while w > dotdot and out[w] != "/":
                    w -= 1
                del out[w:]
            elif not rooted:
                if out:
                    out.append("/")
                out.extend("..")
                dotdot = len(out)
        else:
            if (rooted and len(out) != 1) or (not rooted and len(out) != 0):
                out.append("/")
            while r < n and path[r] != "/":
                out.append(path[r])
                r += 1
    if not out:
        return "."
    return "".join(out)


def clean_call_path(path: str) -> str | None:
    """What InvokeCall does to a call path before routing: None where it answers with an error."""
    if not path or path[0] != "/":
        return None
    cleaned = go_path_clean(path)
    if cleaned == "." or cleaned.startswith("../"):
        return None
    return cleaned


def match(call_path: str, app_id: str, version: str, functions: list[dict[str, Any]]) -> str:
    """upaws.match: the Lambda name of the function with the longest string-prefix path; "" when none."""
    matched_name = ""
    matched_path = ""
    for f in functions:
        if call_path.startswith(f["path"]) and len(f["path"]) > len(matched_path):
            matched_name = lambda_name(app_id, version, f["name"])
            matched_path = f["path"]
    return matched_name


def route_call(path: str, app_id: str, version: str, functions: list[dict[str, Any]]) -> str | None:
    """The Lambda function a server invokes for a user's call to `path`; None when it refuses or finds none."""
    cleaned = clean_call_path(path)
    if cleaned is None:
        return None
    return match(cleaned, app_id, version, functions) or None


def deploy_errors(manifest: dict[str, Any]) -> list[str]:
    """Deploy.Validate and the Validate of each deploy type, minus the URL check of `http.root_url`
    (IsValidURL, checked separately by explicit cases)."""
    errors: list[str] = []
    kinds = ("aws_lambda", "http", "open_faas", "plugin")
    if all(manifest.get(kind) is None for kind in kinds):
        errors.append("manifest has no deployment information")
    aws = manifest.get("aws_lambda")
    if aws is not None:
        functions = aws.get("functions") or []
        if not functions:
            errors.append("must provide at least 1 function in aws_lambda.Functions")
        for f in functions:
            for field in ("path", "name", "handler", "runtime"):
                if not f.get(field):
                    errors.append(f"aws_lambda {field} must not be empty")
    http = manifest.get("http")
    if http is not None and not http.get("root_url"):
        errors.append("root_url must be set for HTTP apps")
    faas = manifest.get("open_faas")
    if faas is not None:
        functions = faas.get("functions") or []
        if not functions:
            errors.append("must provide at least 1 function")
        for f in functions:
            if not f.get("path") or not f.get("name"):
                errors.append("invalid OpenFaaS function")
                break  # upstream returns at the first bad function
    plugin = manifest.get("plugin")
    if plugin is not None and not plugin.get("plugin_id"):
        errors.append("plugin_id must be set for plugin apps")
    return errors
