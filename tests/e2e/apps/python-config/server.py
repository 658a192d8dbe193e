"""A web server that reads ./config/settings.json at start (relative to WORKDIR), as many real
applications read their configuration: without that folder it exits at once."""

import json
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

with open("config/settings.json", encoding="utf-8") as fh:
    SETTINGS = json.load(fh)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/time":
            body = json.dumps({"now": time.time()}).encode()
            kind = "application/json"
        else:
            body = (SETTINGS["greeting"] + "\n").encode()
            kind = "text/plain; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", SETTINGS["port"]), Handler).serve_forever()
