"""Adapters: the only code that touches boto3."""
