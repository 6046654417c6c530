"""The sandbox endpoint: one WSGI app that routes each call by the service in its SigV4 credential scope.

Project-owned services (MGN, DMS) get a `SandboxRequest`; everything else goes to moto's own server-mode
dispatcher in this process, so moto's backends (EC2, CloudWatch, Secrets Manager, ...) are the same objects
our services reach through `world.moto_backend(...)`. A call with no or a malformed credential scope is
refused with 403, as AWS does, before any service sees it. Control endpoints live under /_sandbox/
(health, faults, servers) and are never faulted.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from sandbox.api.errors import ApiError, too_large
from sandbox.api.faults import SIGNING_ALIASES, fault_response, refusal_response
from sandbox.api.inputs import MAX_BODY_BYTES
from sandbox.api.signature import credential_scope, signature_error
from sandbox.config import SandboxConfig, load_config
from sandbox.dms.service import DmsService
from sandbox.http import SandboxRequest, SandboxResponse
from sandbox.mgn.service import MgnService
from sandbox.world import SandboxWorld

log = logging.getLogger("sandbox")

# Project-owned services: signing name -> class constructed as cls(world), called as .handle(request);
# each has a `protocol` (sandbox.api.protocols). Optional hooks: .start() after construction, .stop().
PROJECT_SERVICES: dict[str, type] = {"mgn": MgnService, "dms": DmsService}


class SandboxApp:
    """The WSGI application."""

    def __init__(self, world: SandboxWorld, services: dict[str, Any]) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.world = world
        self.services = services
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            return self._control(Request(environ))(environ, start_response)
        if path.startswith("/moto-api/"):
            return self.moto(environ, start_response)
        refused = signature_error(environ)
        if refused is not None:
            answer = refusal_response(
                refused, environ.get("CONTENT_TYPE", ""), environ.get("HTTP_X_AMZ_TARGET", "")
            )
            return self._send(answer, environ, start_response)
        service, region = credential_scope(environ)
        assert service is not None and region is not None  # a well-formed scope names both
        name = SIGNING_ALIASES.get(service, service)
        kind = self.world.faults.request_fault(name, self._operation(environ, path))
        if kind:
            response = fault_response(name, kind, environ.get("CONTENT_TYPE", ""))
            return self._send(response, environ, start_response)
        if service in self.services:
            response = self._project_call(self.services[service], service, region, environ)
            if hold := self.world.faults.answer_hold(self._operation(environ, path)):
                self.world.stopping.wait(hold)  # served: the effect is there, the caller waits for it
            return self._send(response, environ, start_response)
        return self.moto(environ, start_response)

    def _project_call(
        self, target: Any, service: str, region: str, environ: dict[str, Any]
    ) -> SandboxResponse:
        try:
            return target.handle(self._read(environ, service, region, target.protocol))
        except ApiError as error:
            return target.protocol.error(error)
        except Exception as exc:
            log.exception(
                "%s failed on %s %s", service, environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
            )
            return target.protocol.error(target.protocol.internal(f"sandbox error: {type(exc).__name__}"))

    def _read(self, environ: dict[str, Any], service: str, region: str, protocol: Any) -> SandboxRequest:
        """The request with its body read: 413 above MAX_BODY_BYTES, the protocol's parse error when the
        body cannot be read (a malformed chunked encoding, a client that went away)."""
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise too_large(MAX_BODY_BYTES)
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES + 1  # a chunked body is read up to one byte past it
        try:
            body = request.get_data()
        except RequestEntityTooLarge as exc:
            raise too_large(MAX_BODY_BYTES) from exc
        except (OSError, ValueError, HTTPException) as exc:
            raise protocol.malformed(f"Could not read the request body: {exc}") from exc
        if len(body) > MAX_BODY_BYTES:
            raise too_large(MAX_BODY_BYTES)
        return SandboxRequest(
            method=request.method,
            path=environ.get("PATH_INFO", ""),
            query={key: request.args.getlist(key) for key in request.args},
            headers=Headers(request.headers),
            body=body,
            region=region,
            account_id=self.world.account_id,
            service=service,
        )

    @staticmethod
    def _operation(environ: dict[str, Any], path: str) -> str | None:
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.rsplit(".", 1)[-1]
        segment = path.strip("/").split("/", 1)[0]
        return segment or None

    @staticmethod
    def _send(
        response: SandboxResponse, environ: dict[str, Any], start_response: Callable
    ) -> Iterable[bytes]:
        wsgi = Response(response.body, status=response.status, headers=response.headers)
        return wsgi(environ, start_response)

    def _control(self, request: Request) -> Response:
        path = request.path
        if path == "/_sandbox/health":
            return _json(
                200, {"status": "ok", "services": sorted(self.services), "account_id": self.world.account_id}
            )
        if path == "/_sandbox/faults":
            if request.method == "GET":
                return _json(200, self.world.faults.snapshot())
            if request.method == "DELETE":
                return _json(200, self.world.faults.update({"reset": True}))
            if request.method == "POST":
                try:
                    patch = json.loads(request.get_data() or b"{}")
                    return _json(200, self.world.faults.update(patch))
                except (ValueError, TypeError) as exc:
                    return _json(400, {"error": str(exc)})
        if path == "/_sandbox/servers" and "mgn" in self.services:
            return _json(200, self.services["mgn"].summary())
        return _json(404, {"error": f"no control endpoint {request.method} {path}"})


def _json(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


class SandboxServer:
    """Builds the world and its services and serves them; `start()` in a thread, `serve_forever()` in front."""

    def __init__(
        self,
        config: SandboxConfig | Path | str | dict | None = None,
        state_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = load_config(config)
        self.state_dir = Path(state_dir) if state_dir else Path(".sandbox")
        self.host = host
        self.requested_port = port
        self.world: SandboxWorld | None = None
        self.services: dict[str, Any] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_port

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _build(self) -> None:
        from moto.moto_server.werkzeug_app import MotoRequestHandler

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                return

        self.world = SandboxWorld(self.config, self.state_dir)
        for name, cls in PROJECT_SERVICES.items():
            self.services[name] = cls(self.world)
        for service in self.services.values():
            if hasattr(service, "start"):
                service.start()
        app = SandboxApp(self.world, self.services)
        self._server = make_server(
            self.host, self.requested_port, app, threaded=True, request_handler=QuietHandler
        )

    def start(self) -> SandboxServer:
        self._build()
        assert self._server is not None
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self, ready: Callable[[SandboxServer], None] | None = None) -> None:
        self._build()
        assert self._server is not None
        if ready is not None:
            ready(self)
        try:
            self._server.serve_forever()
        finally:
            self._shutdown_services()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._shutdown_services()

    def _shutdown_services(self) -> None:
        if self.world is not None:
            self.world.stopping.set()
        for service in self.services.values():
            if hasattr(service, "stop"):
                service.stop()
        self.services = {}
