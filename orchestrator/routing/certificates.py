"""Custom domains' certificates on the shared listener: attached once ACM issues them, deleted once free.

- A certificate not yet issued when its host is applied is recorded as pending (`CERTIFICATES` /
  `CERTIFICATE#<arn>`, action `attach`); ACM's "Certificate Available" event, or the route's schedule (ACM's
  events are best effort), checks it again and attaches it (AddListenerCertificates, SNI) once ISSUED.
- A certificate whose host was removed is detached, then deleted. Right after it leaves the listener ACM
  can still count it in use (ResourceInUseException): it is then recorded (action `delete`) and the next
  check tries again. A certificate a claim still names (the host was added back) is never deleted.
- How far each host got is on its claim (`certificate_state`), which `domains list` shows.
Every step reads before it writes and is safe to repeat; with nothing recorded a check is one Query.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr

from orchestrator.adapters.certificates import Certificate, Certificates
from orchestrator.adapters.load_balancing import LoadBalancing
from orchestrator.adapters.store import Store
from orchestrator.observability import logger
from orchestrator.settings import get_settings

CERTIFICATES_PK = "CERTIFICATES"
CERTIFICATE_PREFIX = "CERTIFICATE#"
CLAIM_SK = "CLAIM"  # routing/domains.py's host claim, `DOMAIN#<host>` / `CLAIM`

PENDING = "pending issuance (create the validation record)"
ATTACHED = "attached to the listener"
HTTP_ONLY = "issued; not attached: the listener is HTTP only"


@dataclass
class CertificateDeps:
    store: Store = field(default_factory=Store)
    load_balancing: LoadBalancing = field(default_factory=LoadBalancing)
    certificates: Certificates = field(default_factory=Certificates)


@dataclass
class CertificateCheck:
    attached: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)

    def response(self) -> dict[str, Any]:
        return {"status": "checked", **{k: v for k, v in self.__dict__.items() if v}}


def certificate_sk(arn: str) -> str:
    return f"{CERTIFICATE_PREFIX}{arn}"


def _claim_pk(host: str) -> str:
    return f"DOMAIN#{host}"


def _names(store: Store, host: str, app: str, arn: str) -> bool:
    claim = store.get(_claim_pk(host), CLAIM_SK)
    return bool(claim and claim.get("owner") == app and claim.get("certificate_arn") == arn)


def _set_state(store: Store, host: str, app: str, arn: str, state: str) -> bool:
    """The claim's `certificate_state`, only while the claim is the app's and names this certificate."""
    condition = Attr("owner").eq(app) & Attr("certificate_arn").eq(arn)
    return store.set_fields_if(_claim_pk(host), CLAIM_SK, {"certificate_state": state}, condition)


def settle_certificate(app: str, host: str, certificate: Certificate, deps: CertificateDeps) -> bool:
    """Attach an issued certificate, or record it as pending. True while it is still pending."""
    settings = get_settings()
    key = (CERTIFICATES_PK, certificate_sk(certificate.arn))
    if certificate.status == "PENDING_VALIDATION":
        deps.store.put({"primary_id": key[0], "secondary_id": key[1], "arn": certificate.arn, "host": host,
                        "app": app, "action": "attach", "since": int(time.time())})  # fmt: skip
        _set_state(deps.store, host, app, certificate.arn, PENDING)
        return True
    if certificate.status == "ISSUED":
        https = bool(settings.listener_arn and settings.apps_https)
        if https:
            deps.load_balancing.add_certificate(settings.listener_arn, certificate.arn)
        if not _set_state(deps.store, host, app, certificate.arn, ATTACHED if https else HTTP_ONLY):
            # The host was removed while this ran: what was just attached goes the way of a removed host.
            retire_certificate(host, certificate.arn, deps)
    else:  # FAILED, VALIDATION_TIMED_OUT, REVOKED...: nothing will come of waiting
        _set_state(deps.store, host, app, certificate.arn, f"{certificate.status}: not attached")
    deps.store.delete_if(*key, Attr("action").eq("attach"))
    return False


def record_retirement(store: Store, host: str, arn: str) -> None:
    store.put({"primary_id": CERTIFICATES_PK, "secondary_id": certificate_sk(arn), "arn": arn, "host": host,
               "action": "delete", "since": int(time.time())})  # fmt: skip


def retire_certificate(host: str, arn: str, deps: CertificateDeps) -> bool:
    """Detach and delete a certificate whose host is no longer claimed with it; when ACM still counts it in
    use, it stays recorded and the next check tries again. True when it is gone."""
    settings = get_settings()
    key = (CERTIFICATES_PK, certificate_sk(arn))
    record_retirement(deps.store, host, arn)
    if settings.listener_arn and settings.apps_https:
        deps.load_balancing.remove_certificate(settings.listener_arn, arn)
    if not deps.certificates.delete(arn):
        logger.info("certificate still in use after leaving the listener; deletion deferred", extra={"arn": arn})
        return False
    deps.store.delete_if(*key, Attr("action").eq("delete"))
    return True


def _claimed_arn(store: Store, host: str) -> str:
    claim = store.get(_claim_pk(host), CLAIM_SK) or {}
    return str(claim.get("certificate_arn") or "")


def reconcile_certificates(only: set[str] | None = None, deps: CertificateDeps | None = None) -> CertificateCheck:
    """Check the recorded certificates (those in `only`, or all): attach the issued, retry the deletions."""
    deps = deps or CertificateDeps()
    check = CertificateCheck()
    for item in deps.store.query(CERTIFICATES_PK, CERTIFICATE_PREFIX):
        arn, host = str(item["arn"]), str(item.get("host", ""))
        if only is not None and arn not in only:
            continue
        if item.get("action") == "delete":
            if _claimed_arn(deps.store, host) == arn:  # the host is back with the same certificate
                continue
            (check.deleted if retire_certificate(host, arn, deps) else check.deferred).append(host)
            continue
        app = str(item.get("app", ""))
        certificate = deps.certificates.describe(arn) if _names(deps.store, host, app, arn) else None
        if certificate is None:  # the host was removed (its release deletes the certificate), or ACM lost it
            deps.store.delete_if(CERTIFICATES_PK, certificate_sk(arn), Attr("action").eq("attach"))
            continue
        if settle_certificate(app, host, certificate, deps):
            check.pending.append(host)
        elif certificate.status == "ISSUED":
            check.attached.append(host)
    if check.attached or check.deleted or check.deferred:
        logger.info("certificates checked", extra=check.response())
    return check
