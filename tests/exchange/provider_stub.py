"""A real provider API for the proxy tests: http.server on a free loopback port in a thread.
Each path behaves differently; every request is recorded (path, query, headers)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MALE, FEMALE = "男方证件", "女方证件"  # the provider's own field names
FIELDS = {"男方公民身份号码": "man_id", "女方公民身份号码": "woman_id", "登记类型": "kind",
          "登记日期": "date", "婚姻状况": "status", "结婚证字号": "cert_no"}


SPOUSE = "440106199001011234"  # the other party of every record the stub makes up


def record(subject: str, division: str = "440106", match: str = "man_id") -> dict:
    """The registration of `subject`, found in the field `match` names (man_id unless the
    platform asks `match=woman_id`: then the subject is the wife)."""
    parties = {"woman_id": SPOUSE, "man_id": subject} if match != "woman_id" else {
        "man_id": SPOUSE, "woman_id": subject}
    return {**parties, "kind": "结婚", "date": "2020-05-20", "status": "已婚",
            "cert_no": "J440106-2020-000123", "district": division}


class Provider:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.slow_seconds = 2.0
        self.unknown: set[str] = set()  # subjects answered 404
        # /registrations: subject → its records, newest last (the fields as the provider names them)
        self.registrations: dict[str, list[dict]] = {}
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                provider.requests.append({"path": parts.path, "query": query,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}})
                subject = query.get("id", "")
                path = parts.path
                if path == "/slow":
                    time.sleep(provider.slow_seconds)
                if path == "/error":
                    return self._send(500, b'{"error":"database down"}')
                if path == "/garbage":
                    return self._send(200, b"<html>maintenance</html>", "text/html")
                if subject in provider.unknown:
                    return self._send(404, b"{}")
                if path == "/honest":  # only what was asked
                    wanted = query.get("fields", "").split(",")
                    body = {k: v for k, v in record(subject).items() if k in wanted}
                elif path == "/registrations":  # looked up in the field `match` names, only what was asked
                    field, wanted = query.get("match", "man_id"), query.get("fields", "").split(",")
                    found = [r for rs in provider.registrations.values() for r in rs
                             if r.get(field) == subject]
                    if not found:
                        return self._send(404, b"{}")
                    body = [{k: v for k, v in r.items() if k in wanted} for r in found]
                elif path == "/tax":  # 纳税信用等级信息 (税务局): by credit code, every year's grade
                    body = [{"uscc": subject, "year": 2024, "grade": "B",
                             "_valid_from": "2025-04-01T00:00:00+08:00"},
                            {"uscc": subject, "year": 2025, "grade": "A",
                             "_valid_from": "2026-04-01T00:00:00+08:00", "_version": "2025"}]
                elif path == "/districts":
                    body = [record(subject, "440106"), record(subject, "440104")]
                elif path == "/other":  # someone else's record
                    body = record("440106198001011238")
                else:  # /extra, /slow: everything it has and more
                    body = {**record(subject), "phone": "13800138000", "internal_note": "内部备注"}
                self._send(200, json.dumps(body, ensure_ascii=False).encode("utf-8"))

            def _send(self, status: int, data: bytes, media: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
