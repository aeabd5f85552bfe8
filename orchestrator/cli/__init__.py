"""The operator CLI (typer + rich), over the same adapters as the handlers."""
