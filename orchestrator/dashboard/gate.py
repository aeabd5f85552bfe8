"""The local IAM check in front of the emulator: which principal signed a request, and whether its role allows it.

moto does not enforce IAM. Every AWS request the page makes goes through here first: the SigV4 access key
names the role session, the X-Amz-Target and body give the action and resources, and the users role's own
statements (`orchestrator/iam/users_role.py`, the ones the stack attaches) decide. A refusal is AWS's own
AccessDeniedException, with the message AWS gives, and never reaches the emulator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from orchestrator.dashboard.aws_requests import Account, UnknownTarget, iam_request, s3_get_request
from orchestrator.dashboard.sessions import LocalSessions
from orchestrator.iam.evaluation import Statement, access_denied_message, refused_resource

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")


@dataclass(frozen=True)
class Refusal:
    status: int
    error_type: str
    message: str
    xml: bool = False  # S3 answers in XML; the JSON protocols in JSON

    def body(self) -> bytes:
        if self.xml:
            return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{escape(self.error_type)}</Code>"
                    f"<Message>{escape(self.message)}</Message></Error>").encode()  # fmt: skip
        return json.dumps({"__type": self.error_type, "message": self.message}).encode()

    @property
    def content_type(self) -> str:
        return "application/xml" if self.xml else "application/x-amz-json-1.1"


def refusal_of(
    headers: Mapping[str, str],
    body: bytes,
    sessions: LocalSessions,
    account: Account,
    statements_of: Callable[[str], Sequence[Statement]],
    s3_get: str | None = None,
) -> Refusal | None:
    """None when the request may go on to the emulator; else the error AWS would answer with. `headers` have
    lower-case names. `s3_get` is the path (below the proxy's) of an S3 GET; otherwise a JSON-protocol POST."""
    xml = s3_get is not None
    found = _CREDENTIAL.search(headers.get("authorization", ""))
    session = sessions.session_of(found.group(1)) if found else None
    if session is None:
        if xml:
            return Refusal(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", True)
        return Refusal(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
    try:
        if s3_get is not None:
            request = s3_get_request(s3_get)
        else:
            payload: Any = json.loads(body or b"{}")
            if not isinstance(payload, dict):
                raise ValueError("the body is not a JSON object")
            request = iam_request(headers.get("x-amz-target", ""), payload, account)
    except (ValueError, UnknownTarget) as error:
        message = f"the local dashboard proxy cannot read this request: {error}"
        return Refusal(400, "InvalidRequest" if xml else "ValidationException", message, xml)
    resource = refused_resource(statements_of(session.app), request)
    if resource is None:
        return None
    message = access_denied_message(session.principal, request.action, resource)
    return Refusal(403, "AccessDenied", message, True) if xml else Refusal(400, "AccessDeniedException", message)
