"""Review apps: the status parameter AppPack reads, their deploy gate, their teardown, the GitHub webhook."""

GITHUB_WEBHOOK_HANDLER = "orchestrator.handlers.github_webhook.handler"  # read by the stack (one definition)
