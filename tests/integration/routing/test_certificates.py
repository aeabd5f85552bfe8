"""Custom domains' certificates through the certificates handler against moto: a certificate still pending
when its host is applied is attached once ACM issues it (its "Certificate Available" event, or the route's
schedule), and a deletion ACM refuses while the certificate is still in use is retried by the next check."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import moto.settings
import pytest
from moto.acm.models import AWSCertificateManagerBackend
from moto.core.exceptions import JsonRESTError

from orchestrator.adapters.store import Store
from orchestrator.handlers import certificates as certificate_handler
from orchestrator.routing.certificates import ATTACHED, CERTIFICATE_PREFIX, CERTIFICATES_PK, PENDING
from tests.conftest import CallRecorder
from tests.integration.parameters.helpers import CONTEXT, name_of, put
from tests.integration.parameters.helpers import deliver as deliver_parameter
from tests.integration.routing.conftest import SharedAlb
from tests.integration.routing.test_domains import (
    certificates_for,
    claim,
    deployed,
    host_rules,
    https,  # noqa: F401 (fixture)
    listener_certificates,
)


def acm_event(detail_type: str, source: str, resources: list[str]) -> dict[str, Any]:
    """The shapes of tests/fixtures/aws-events/acm_certificate_available.json and the scheduled event."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": source,
            "account": "123456789012", "time": "2026-11-30T05:00:00Z", "region": "us-east-1",
            "resources": resources, "detail": {"Action": "ISSUANCE"} if source == "aws.acm" else {}}  # fmt: skip


def available(arn: str) -> dict[str, Any]:
    return acm_event("ACM Certificate Available", "aws.acm", [arn])


def tick() -> dict[str, Any]:
    return acm_event("Scheduled Event", "aws.events", ["arn:aws:events:us-east-1:123456789012:rule/x"])


def check(*events: dict[str, Any]) -> list[dict[str, Any]]:
    return [certificate_handler.handler(e, CONTEXT) for e in events]  # type: ignore[arg-type]


def recorded() -> list[dict[str, Any]]:
    return Store().query(CERTIFICATES_PK, CERTIFICATE_PREFIX)


@contextmanager
def acm_not_issuing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """ACM waiting for the DNS validation records; leaving the block, it issues (moto: at the next read)."""
    monkeypatch.setattr(moto.settings, "ACM_VALIDATION_WAIT", 10**9)
    yield
    monkeypatch.setattr(moto.settings, "ACM_VALIDATION_WAIT", -1)


def test_a_pending_certificate_is_attached_when_acm_issues_it(
    alb: SharedAlb, https: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    deployed(alb, "shop")
    with acm_not_issuing(monkeypatch):
        [added] = deliver_parameter(put(name_of("shop", "domains"), ["www.shop.example", "api.shop.example"]))
        assert added["status"] == "applied", added
        assert "certificate not issued yet" in added["message"]
        assert listener_certificates(https) == set()
        assert {claim(h)["certificate_state"] for h in ("www.shop.example", "api.shop.example")} == {PENDING}  # type: ignore[index]
        assert sorted(i["host"] for i in recorded()) == ["api.shop.example", "www.shop.example"]
        [still] = check(tick())
        assert (still["status"], sorted(still["pending"])) == ("checked", ["api.shop.example", "www.shop.example"])
    [www] = certificates_for("www.shop.example")
    [api] = certificates_for("api.shop.example")
    # ACM's event names one certificate: only that one is attached.
    [first] = check(available(www))
    assert first["attached"] == ["www.shop.example"]
    assert listener_certificates(https) == {www}
    assert claim("www.shop.example")["certificate_state"] == ATTACHED  # type: ignore[index]
    assert [i["host"] for i in recorded()] == ["api.shop.example"]
    # The schedule catches the other, whose event was lost; delivered twice, nothing more happens.
    assert check(tick())[0]["attached"] == ["api.shop.example"]
    assert check(tick(), available(www)) == [{"status": "checked"}, {"status": "checked"}]
    assert listener_certificates(https) == {www, api}
    assert recorded() == []
    assert host_rules(https) == [sorted(["shop.apps.example.com", "www.shop.example", "api.shop.example"])]


def test_the_schedule_costs_one_query_when_nothing_is_recorded(
    alb: SharedAlb, https: str, api_calls: CallRecorder  # noqa: F811
) -> None:
    assert check(tick()) == [{"status": "checked"}]
    # One Query; the other calls are the idempotency record's (PutItem, UpdateItem), no ACM or ELB call.
    assert api_calls.count("dynamodb", "Query") == 1
    assert {service for service, _ in api_calls.calls} == {"dynamodb"}


def test_a_certificate_still_in_use_is_deleted_by_a_later_check(
    alb: SharedAlb, https: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    deployed(alb, "shop")
    deliver_parameter(put(name_of("shop", "domains"), ["www.shop.example"]))
    [www] = certificates_for("www.shop.example")
    assert www in listener_certificates(https)

    refusals = {"left": 2}  # ACM counts it in use a little while after the listener let it go
    original = AWSCertificateManagerBackend.delete_certificate

    def delete_certificate(self: Any, arn: str) -> None:
        if refusals["left"]:
            refusals["left"] -= 1
            raise JsonRESTError("ResourceInUseException", f"Certificate {arn} is in use")
        original(self, arn)

    monkeypatch.setattr(AWSCertificateManagerBackend, "delete_certificate", delete_certificate)
    [removed] = deliver_parameter(put(name_of("shop", "domains"), []))
    assert removed["status"] == "applied", removed  # not failed: the deletion is deferred
    assert claim("www.shop.example") is None
    assert www not in listener_certificates(https)
    assert certificates_for("www.shop.example") == [www]
    assert [(i["arn"], i["action"]) for i in recorded()] == [(www, "delete")]
    assert check(tick())[0]["deferred"] == ["www.shop.example"]
    assert check(tick())[0]["deleted"] == ["www.shop.example"]
    assert certificates_for("www.shop.example") == []
    assert recorded() == []
    assert check(tick()) == [{"status": "checked"}]
