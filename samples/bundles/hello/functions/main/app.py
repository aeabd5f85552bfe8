"""The app's catch-all function: bindings, a ping, and a route that fails on purpose."""

import json
import os


def respond(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def handler(event, context):
    path = event.get("path", "/")
    if path == "/bindings":
        return respond(200, {"type": "ok", "data": [{"location": "/command", "bindings": [
            {"label": "hello", "submit": {"path": "/send"}}]}]})
    if path == "/ping":
        return respond(200, {"type": "ok", "text": "pong", "function": context.function_name,
                             "app": os.environ.get("ORCHESTRATOR_APP_ID")})
    if path == "/boom":
        raise RuntimeError("boom: this route fails on purpose")
    return respond(404, {"type": "error", "text": f"unknown path {path}"})
