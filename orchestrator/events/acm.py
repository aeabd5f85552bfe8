"""ACM Certificate Available (published on issuance, renewal and import), and the certificates route's
schedule, which EventBridge delivers as a Scheduled Event (ACM's events are best effort: the schedule
catches an issuance whose event was lost)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orchestrator.events.envelope import EventEnvelope

CERTIFICATE_AVAILABLE = "ACM Certificate Available"
SCHEDULED_EVENT = "Scheduled Event"


class CertificateCheckEvent(EventEnvelope):
    """Either event: `resources` names the certificate (ACM) or the schedule's rule (EventBridge)."""

    detail: dict[str, Any]

    source: Literal["aws.acm", "aws.events"]
    detail_type: Literal["ACM Certificate Available", "Scheduled Event"] = Field(alias="detail-type")

    @property
    def certificate_arns(self) -> set[str] | None:
        """The certificates this event is about; None for the schedule (every pending one)."""
        if self.detail_type == SCHEDULED_EVENT:
            return None
        return {r for r in self.resources if ":certificate/" in r}
