"""`python -m sandbox --port 4566 [--config world.yaml] [--state-dir .sandbox]`: serve in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from pathlib import Path

from sandbox.server import SandboxServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--config", type=Path, help="sandbox YAML (default: the demo world)")
    parser.add_argument("--state-dir", type=Path, default=Path(".sandbox"), help="where state and disks live")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    server = SandboxServer(args.config, args.state_dir, args.host, args.port)

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)

    def ready(server: SandboxServer) -> None:
        print(f"sandbox: serving on {server.endpoint_url} (state in {args.state_dir})", flush=True)
        mgn = server.services.get("mgn")
        for entry in mgn.summary()["servers"] if mgn else []:
            where = entry["url"] or f"{entry['sourceIp']} (no app)"
            print(f"  source {entry['hostname']:<12} {entry['sourceServerID']}  {where}", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(ready)
    print("sandbox: stopped, state saved", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
