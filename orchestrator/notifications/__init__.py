"""The orchestrator's own events: build, release and deploy state changes on the default EventBridge bus."""
