from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from mgn_checks.post_launch import http_probe, parity_probe, substitute, tcp_probe, with_retries

BODIES = {"/a": b"same bytes", "/b": b"other bytes"}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = BODIES.get(self.path)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_http_probe_status(base_url):
    assert http_probe(base_url + "/a", 200, 2)() == (True, "HTTP 200 (expected 200)")
    assert http_probe(base_url + "/missing", 200, 2)()[0] is False


def test_parity_compares_sha256(base_url):
    assert parity_probe(base_url + "/a", base_url + "/a", 2)()[0] is True
    ok, detail = parity_probe(base_url + "/a", base_url + "/b", 2)()
    assert not ok and "differs" in detail


def test_tcp_probe(base_url):
    port = int(base_url.rsplit(":", 1)[1])
    assert tcp_probe("127.0.0.1", port, 2)() == (True, "port open")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    ok, detail = with_retries(tcp_probe("127.0.0.1", closed, 1), attempts=2, delay=0)
    assert not ok and "ConnectionRefusedError" in detail and "after 2 attempts" in detail


def test_retries_until_the_probe_passes():
    answers = iter([(False, "booting"), (False, "booting"), (True, "up")])
    assert with_retries(lambda: next(answers), attempts=5, delay=0) == (True, "up (attempt 3)")


def test_substitute_ip():
    assert substitute("http://{ip}:8080/health", "10.0.0.5") == "http://10.0.0.5:8080/health"
