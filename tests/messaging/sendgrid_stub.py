"""A local HTTP server that answers SendGrid's v3 `POST /v3/mail/send` like SendGrid does.

Tests point the real `sendgrid` client at it (SENDGRID_API_HOST). Every body is validated
against SendGrid's published OpenAPI schema for mail send
(../shared/data/sendgrid/tsg_mail_v3.json, from the repository root) with `jsonschema`; a
body that does not conform gets 400 with SendGrid's error shape. Accepted requests are
recorded (in memory, and as JSON lines in a file with --record) with an `X-Message-Id`.

Responses can be scripted: `stub.script(401)`, `stub.script(429, retry_after="30")`,
`stub.script(500, times=3)`; unscripted requests get 202.

In a thread:   with SendGridStub() as stub: ... stub.url, stub.requests
As a process:  python -m tests.messaging.sendgrid_stub --port 8025 --record /tmp/sent.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT.parent / "shared" / "data" / "sendgrid" / "tsg_mail_v3.json"
API_KEY = "SG.test-key"


@cache
def mail_send_validator() -> Any:
    """A jsonschema validator for the mail send request body, $refs resolved in the file."""
    from jsonschema import Draft202012Validator

    spec = json.loads(SCHEMA_PATH.read_text())
    body = spec["components"]["requestBodies"]["PostMailSend"]["content"]["application/json"]
    schema = dict(body["schema"])
    schema["components"] = spec["components"]
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(body: Any) -> list[str]:
    if mail_send_validator().is_valid(body):
        return []
    errors = sorted(mail_send_validator().iter_errors(body), key=lambda e: list(e.path))
    return [f"{'/'.join(str(p) for p in e.path) or '(body)'}: {e.message}" for e in errors]


@dataclass
class Scripted:
    status: int
    retry_after: str | None = None
    delay: float = 0.0


class SendGridStub:
    """The server and what it received; use as a context manager in tests."""

    def __init__(self, port: int = 0, record: str | None = None,
                 api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []  # accepted (202) requests
        self.rejected: list[dict[str, Any]] = []  # everything answered otherwise
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._record = open(record, "a", encoding="utf-8") if record else None  # noqa: SIM115
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, headers, body = stub.handle(self.path, dict(self.headers), raw)
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    # --- scripting ---------------------------------------------------------------------------

    def script(self, status: int, *, times: int = 1, retry_after: str | None = None,
               delay: float = 0.0) -> None:
        """The next `times` requests get `status` (after `delay` seconds) instead of 202."""
        with self._lock:
            for _ in range(times):
                self._script.append(Scripted(status, retry_after, delay))

    def handle(self, path: str, headers: dict[str, str],
               raw: bytes) -> tuple[int, dict[str, str], Any]:
        import time

        record = {"path": path, "headers": headers, "raw": raw.decode("utf-8", "replace")}
        with self._lock:
            scripted = self._script.popleft() if self._script else None
        if path != "/v3/mail/send":
            return self._reject(record, 404, {"errors": [{"message": "Not found"}]})
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._reject(record, 401, {"errors": [{
                "message": "The provided authorization grant is invalid, expired, or revoked",
                "field": None, "help": None}]})
        try:
            body = json.loads(raw)
        except ValueError:
            return self._reject(record, 400, {"errors": [{
                "message": "Bad Request", "field": None, "help": None}]})
        record["body"] = body
        problems = schema_errors(body)
        if problems:
            record["schema_errors"] = problems
            return self._reject(record, 400, {"errors": [
                {"message": p, "field": p.split(":")[0], "help": None} for p in problems]})
        if scripted is not None:
            if scripted.delay:
                time.sleep(scripted.delay)
            if scripted.status != 202:
                extra = {"Retry-After": scripted.retry_after} if scripted.retry_after else {}
                return self._reject(record, scripted.status, {"errors": [{
                    "message": f"scripted {scripted.status}", "field": None, "help": None}]},
                    extra)
        with self._lock:
            message_id = f"stub{next(self._ids):08d}"
            record["message_id"] = message_id
            self.requests.append(record)
            if self._record is not None:
                self._record.write(json.dumps({"message_id": message_id, "body": body}) + "\n")
                self._record.flush()
        return 202, {"X-Message-Id": message_id}, None

    def _reject(self, record: dict[str, Any], status: int, body: Any,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        record["status"] = status
        with self._lock:
            self.rejected.append(record)
        return status, headers or {}, body

    # --- what was received -------------------------------------------------------------------

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests]

    def outbox_ids(self) -> list[int]:
        """The outbox ids of every accepted message, one per personalisation."""
        return [int(p["custom_args"]["outbox_id"]) for b in self.bodies
                for p in b["personalizations"]]

    # --- running -----------------------------------------------------------------------------

    def start(self) -> SendGridStub:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._record is not None:
            self._record.close()

    def __enter__(self) -> SendGridStub:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def free_port() -> int:
    """A port nothing listens on now: for 'connection refused' and for starting a process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--record", help="append each accepted request as a JSON line")
    parser.add_argument("--api-key", default=API_KEY)
    args = parser.parse_args()
    stub = SendGridStub(args.port, args.record, args.api_key)
    print(f"SendGrid stub listening on {stub.url}", flush=True)
    try:
        stub.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stub.server.server_close()


if __name__ == "__main__":
    main()
