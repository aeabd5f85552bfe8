"""The hello sample: a web app with the standard library only.

Its first line says which build answers and the value of one config variable (GREETING), so a redeploy, a
config change and a rollback show in the response. It listens on $PORT, as a Procfile web process does.
"""

import os
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

METADATA = Path(".build/metadata.toml")  # written into the image by the build


def build_number() -> str:
    try:
        return str(tomllib.loads(METADATA.read_text())["build_number"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


BUILD = build_number()


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        greeting = os.environ.get("GREETING", "(GREETING is not set)")
        body = f"hello from build {BUILD}: {greeting}\nhost {self.headers.get('Host')} path {self.path}\n"
        payload = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.address_string()} {format % args}", flush=True)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"build {BUILD} listening on port {port}", flush=True)
    ThreadingHTTPServer(("", port), Hello).serve_forever()
