"""The /send function: greets whoever the call is about."""

import json
import os


def handler(event, context):
    call = json.loads(event.get("body") or "{}")
    name = (call.get("values") or {}).get("name") or "world"
    text = f"{os.environ.get('GREETING', 'Hi')}, {name}!"
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"type": "ok", "text": text, "path": event.get("path")})}
