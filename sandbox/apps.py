"""The tiny HTTP apps that stand for the software on source servers and launched instances.

Each app serves the files of a boot-disk image on its own loopback address (Linux routes all of 127/8 to lo).
The image is a tar archive padded to the disk size: a real on-disk layout that survives block-level
replication, so a launched instance serves exactly the bytes the replicator copied, and checksums compare.
All apps run as threads of the sandbox process (stdlib ThreadingHTTPServer), never as processes.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import random
import tarfile
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHURN_FILE = "var/churn.dat"


def build_boot_image(path: Path, size: int, files: Iterable[tuple[str, bytes]]) -> dict[str, tuple[int, int]]:
    """Write a tar image of `files` padded with zeros to `size` bytes; return {name: (data offset, size)}."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    if len(raw) > size:
        raise ValueError(f"{path.name}: files need {len(raw)} bytes, the disk holds {size}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(raw)
        handle.truncate(size)
    return file_extents(path)


def build_data_image(path: Path, size: int, seed: str) -> None:
    """A non-boot disk: seeded random bytes, so replication has real content to move."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with path.open("wb") as handle:
        remaining = size
        while remaining:
            chunk = min(remaining, 1 << 20)
            handle.write(rng.randbytes(chunk))
            remaining -= chunk


def file_extents(image: Path) -> dict[str, tuple[int, int]]:
    """{member name: (offset of its data in the image, size)} read from the image's tar headers."""
    extents: dict[str, tuple[int, int]] = {}
    with image.open("rb") as handle, tarfile.open(fileobj=handle, mode="r:") as archive:
        for member in archive:
            if member.isfile():
                extents[member.name] = (member.offset_data, member.size)
    return extents


def read_file(image: Path, name: str) -> bytes | None:
    extent = file_extents(image).get(name)
    if extent is None:
        return None
    offset, size = extent
    with image.open("rb") as handle:
        handle.seek(offset)
        return handle.read(size)


class _Handler(BaseHTTPRequestHandler):
    server: _AppServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests start dozens of these
        return

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        app = self.server.app
        path = self.path.split("?", 1)[0]
        if path == "/health":
            self._send(200, json.dumps({"status": "ok", **app.identity}).encode())
        elif path in ("/files", "/files/"):
            listing = []
            for name in sorted(file_extents(app.image)):
                data = read_file(app.image, name) or b""
                listing.append({"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
            self._send(200, json.dumps(listing).encode())
        elif path.startswith("/files/"):
            data = read_file(app.image, path[len("/files/") :])
            if data is None:
                self._send(404, b'{"error":"no such file"}')
            else:
                self._send(200, data, "application/octet-stream")
        else:
            self._send(404, b'{"error":"not found"}')

    do_HEAD = do_GET


class _AppServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: DiskApp) -> None:
        self.app = app
        super().__init__(address, _Handler)


class DiskApp:
    """One app: serves `/health`, `/files` (names, sizes, sha256) and `/files/<path>` from a boot image."""

    def __init__(self, ip: str, port: int, image: Path, identity: dict[str, Any]) -> None:
        self.ip, self.port, self.image, self.identity = ip, port, image, identity
        self._server: _AppServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.ip}:{self.port}"

    def start(self) -> None:
        self._server = _AppServer((self.ip, self.port), self)
        # a short poll interval keeps stop() (and so TerminateTargetInstances) quick
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"app-{self.ip}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def start_app(candidates: Iterable[str], port: int, image: Path, identity: dict[str, Any]) -> DiskApp:
    """Start an app on the first candidate address that is free (another sandbox may hold some)."""
    last: OSError | None = None
    for ip in candidates:
        app = DiskApp(ip, port, image, {**identity, "ip": ip})
        try:
            app.start()
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
                raise
            last = exc
            continue
        return app
    raise OSError(errno.EADDRINUSE, f"no free loopback address for port {port}") from last


def addresses(prefix: str, start: int = 1) -> Iterable[str]:
    """prefix.start .. prefix.254."""
    for n in range(start, 255):
        yield f"{prefix}.{n}"
