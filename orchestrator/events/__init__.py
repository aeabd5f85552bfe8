"""Pydantic models of the AWS events the orchestrator consumes, and the EventBridge patterns (as data)."""
