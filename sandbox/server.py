"""The sandbox endpoint: one WSGI app that routes each call by the service in its SigV4 credential scope.

Project-owned services (MGN here; DMS when `sandbox.dms.service` exists) get a `SandboxRequest`; everything
else goes to moto's own server-mode dispatcher in this process, so moto's backends (EC2, CloudWatch,
Secrets Manager, ...) are the same objects our services reach through `world.moto_backend(...)`.
Control endpoints live under /_sandbox/ (health, faults, servers) and are never faulted.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import botocore.session
from werkzeug.datastructures import Headers
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from sandbox.config import SandboxConfig, load_config
from sandbox.http import SandboxRequest, SandboxResponse
from sandbox.mgn.api import MgnService
from sandbox.world import SandboxWorld

log = logging.getLogger("sandbox")

# Project-owned services: signing name -> class constructed as cls(world), called as .handle(request).
# Optional hooks: .start() after construction, .stop() at shutdown.
PROJECT_SERVICES: dict[str, type] = {"mgn": MgnService}


def project_services() -> dict[str, type]:
    """PROJECT_SERVICES plus DMS if its package exists (it is built in another issue)."""
    services = dict(PROJECT_SERVICES)
    try:
        from sandbox.dms.service import DmsService  # type: ignore[import-not-found]
    except ModuleNotFoundError as exc:
        if exc.name not in ("sandbox.dms", "sandbox.dms.service"):
            raise
    else:
        services.setdefault("dms", DmsService)
    return services


def credential_scope(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(service, region) from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request`
    or a presigned URL's X-Amz-Credential."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    credential = ""
    if "Credential=" in auth:
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0].strip()
    elif "X-Amz-Credential=" in environ.get("QUERY_STRING", ""):
        from urllib.parse import parse_qs

        credential = parse_qs(environ["QUERY_STRING"]).get("X-Amz-Credential", [""])[0]
    parts = credential.split("/")
    if len(parts) >= 5:
        return parts[-2].lower(), parts[-3]
    return None, None


# SigV4 signing names that differ from botocore's service names (for fault matching and error protocol).
SIGNING_ALIASES = {
    "monitoring": "cloudwatch",
    "email": "ses",
    "states": "stepfunctions",
    "execute-api": "apigateway",
}

_PROTOCOLS: dict[str, str] = {}


def _protocol(service: str) -> str:
    if service not in _PROTOCOLS:
        try:
            _PROTOCOLS[service] = (
                botocore.session.get_session().get_service_model(service).metadata["protocol"]
            )
        except Exception:
            _PROTOCOLS[service] = "json"
    return _PROTOCOLS[service]


def wire_protocol(service: str, content_type: str) -> str:
    """The protocol the client speaks: botocore may pick any of a model's `protocols` (CloudWatch: cbor or json)."""
    model_protocol = _protocol(service)
    if "cbor" in content_type:
        return "smithy-rpc-v2-cbor"
    if "x-amz-json" in content_type:
        return "json" if model_protocol not in ("rest-json",) else model_protocol
    if "x-www-form-urlencoded" in content_type and model_protocol not in ("ec2", "query"):
        return "query"
    return model_protocol


def fault_response(service: str, kind: str, content_type: str = "") -> SandboxResponse:
    """An AWS-shaped throttling or internal error in the client's protocol, so botocore retries it."""
    throttle = kind == "throttle"
    message = "Rate exceeded (sandbox fault)" if throttle else "Internal failure (sandbox fault)"
    protocol = wire_protocol(service, content_type)
    if protocol == "smithy-rpc-v2-cbor":
        code = "ThrottlingException" if throttle else "InternalFailure"
        return SandboxResponse(
            400 if throttle else 500,
            {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
            _cbor_text_map({"__type": code, "message": message}),
        )
    if protocol == "rest-json":
        code = "ThrottlingException" if throttle else "InternalServerException"
        return SandboxResponse.json(
            429 if throttle else 500, {"message": message}, {"x-amzn-ErrorType": code}
        )
    if protocol == "json":
        code = "ThrottlingException" if throttle else "InternalFailure"
        return SandboxResponse.json(
            400 if throttle else 500,
            {"__type": code, "message": message},
            content_type="application/x-amz-json-1.1",
        )
    if protocol == "ec2":
        code = "RequestLimitExceeded" if throttle else "InternalError"
        body = f"<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}</Message></Error></Errors></Response>"
        return SandboxResponse(503 if throttle else 500, {"Content-Type": "text/xml"}, body.encode())
    code = "Throttling" if throttle else "InternalFailure"
    body = (
        f"<ErrorResponse><Error><Type>{'Sender' if throttle else 'Receiver'}</Type><Code>{code}</Code>"
        f"<Message>{escape(message)}</Message></Error></ErrorResponse>"
    )
    return SandboxResponse(400 if throttle else 500, {"Content-Type": "text/xml"}, body.encode())


def _cbor_text_map(items: dict[str, str]) -> bytes:
    """The few bytes of CBOR an error body needs: a map of short text strings (RFC 8949)."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")

    out = head(5, len(items))
    for key, value in items.items():
        for text in (key.encode(), value.encode()):
            out += head(3, len(text)) + text
    return out


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
        service, region = credential_scope(environ)
        if service:
            name = SIGNING_ALIASES.get(service, service)
            kind = self.world.faults.request_fault(name, self._operation(environ, path))
            if kind:
                response = fault_response(name, kind, environ.get("CONTENT_TYPE", ""))
                return self._send(response, environ, start_response)
        if service in self.services:
            request = Request(environ)
            sandbox_request = SandboxRequest(
                method=request.method,
                path=path,
                query={key: request.args.getlist(key) for key in request.args},
                headers=Headers(request.headers),
                body=request.get_data(),
                region=region or self.world.region,
                account_id=self.world.account_id,
                service=service,
            )
            try:
                response = self.services[service].handle(sandbox_request)
            except Exception as exc:
                log.exception("%s failed on %s %s", service, request.method, path)
                response = SandboxResponse.json(
                    500,
                    {"__type": "InternalServerException", "message": f"sandbox error: {exc}"},
                    {"x-amzn-ErrorType": "InternalServerException"},
                )
            return self._send(response, environ, start_response)
        return self.moto(environ, start_response)

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
        for name, cls in project_services().items():
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
