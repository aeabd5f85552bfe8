"""Review apps: the status parameter AppPack reads, their deploy gate, their teardown, the GitHub webhook."""
