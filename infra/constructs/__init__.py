"""Reusable constructs of the orchestrator's stacks."""
