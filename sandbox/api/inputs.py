"""Reading a request's input: strict bounded JSON bodies and checks against the botocore input shape.

A body that is not a JSON object, holds NaN/Infinity or nests deeper than any model shape is malformed
(the protocol's parse error); an input with unknown members, wrong types, enum values, lengths, patterns
or ranges outside the model is invalid (the protocol's validation error). So only modelled members ever
reach a handler, and from there the state file.
"""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel

from sandbox import strict_json
from sandbox.api.protocols import Protocol
from sandbox.shapes import shape_errors

MAX_BODY_BYTES = 10 * 1024 * 1024  # a request body above this is refused with 413 before it is read


def json_body(body: bytes, protocol: Protocol) -> dict[str, Any]:
    """The body as a JSON object ({} when empty)."""
    if not body.strip():
        return {}
    try:
        value = strict_json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise protocol.malformed(f"Could not parse the request body: {exc}") from exc
    if not isinstance(value, dict):
        raise protocol.malformed("The request body must be a JSON object")
    return value


def check_input(protocol: Protocol, op_model: OperationModel, params: dict[str, Any]) -> None:
    """Raise the protocol's validation error unless `params` fits the operation's input shape exactly."""
    if op_model.input_shape is None:
        if params:
            raise protocol.invalid(f"{op_model.name} takes no input", [(k, "unknown member") for k in params])
        return
    errors = shape_errors(op_model.input_shape, params)
    if errors:
        raise protocol.invalid(
            f"{len(errors)} validation error(s) detected: " + "; ".join(f"{p}: {w}" for p, w in errors[:5]),
            [(path.split(".", 1)[-1], why) for path, why in errors],
        )
