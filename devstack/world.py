"""The rehearsal's world file: where each of a plan's databases lives locally, and what servers hold.

```yaml
databases:                     # one entry per database of the plan (by name): required
  orders:
    source: {engine: mariadb, database: rehearse_orders_src, seed: sample}
    target: {engine: postgres, database: rehearse_orders_tgt}
  ledger:
    source: {engine: sqlite, file: .rehearse/ledger-source.db, seed: sample}
    target: {engine: sqlite, file: .rehearse/ledger-target.db}
servers:                       # optional, by hostname: the sandbox's disks and files for that server
  web-01: {disk_mb: 4, files: [{path: /var/www/index.html, content: "hello"}], app: true}
```

Engines: ``sqlite`` (``file``, relative to the world file), ``postgres`` and ``mariadb`` (``database`` on
the local server, created when missing; ``host``/``port``/``username`` default to 127.0.0.1, 5432/3306,
postgres/root; a password only ever by ``password_env``, the name of an environment variable). ``seed``:
``sample`` fills a source with a few tables of rows, ``none`` (default) leaves it as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULTS = {"postgres": (5432, "postgres"), "mariadb": (3306, "root")}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalDatabase(_Strict):
    engine: Literal["sqlite", "postgres", "mariadb"] = Field(description="sqlite, postgres or mariadb")
    file: str | None = Field(None, description="sqlite: the database file (relative to the world file)")
    database: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$", description="server database"
    )
    host: str = "127.0.0.1"
    port: int | None = Field(None, ge=1, le=65535)
    username: str | None = None
    password_env: str | None = Field(None, description="the environment variable holding the password")
    seed: Literal["none", "sample"] = "none"

    @model_validator(mode="after")
    def _where(self) -> LocalDatabase:
        if self.engine == "sqlite" and not self.file:
            raise ValueError("a sqlite database needs file: (the database file)")
        if self.engine != "sqlite" and not self.database:
            raise ValueError(f"a {self.engine} database needs database: (its name on the local server)")
        return self

    @property
    def effective_port(self) -> int | None:
        return self.port or DEFAULTS.get(self.engine, (None, None))[0]

    @property
    def effective_username(self) -> str | None:
        return self.username or DEFAULTS.get(self.engine, (None, None))[1]


class DatabaseWorld(_Strict):
    source: LocalDatabase
    target: LocalDatabase


class FileWorld(_Strict):
    path: str
    content: str | None = None
    size_kb: float | None = Field(None, ge=0)


class ServerWorld(_Strict):
    disk_mb: float = Field(2, gt=0, le=4096)
    files: list[FileWorld] | None = None
    app: bool = True


class WorldFile(_Strict):
    databases: dict[str, DatabaseWorld] = Field(default_factory=dict)
    servers: dict[str, ServerWorld] = Field(default_factory=dict)


class WorldError(ValueError):
    """Every problem of a world file, one per line, each naming the file, the field and the fix."""


def load_world(path: Path | None) -> tuple[WorldFile, Path]:
    """The world (empty without a file) and the folder its relative paths start from."""
    if path is None:
        return WorldFile(), Path.cwd()
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise WorldError(f"{path}: cannot read the world file: {error}") from None
    try:
        return WorldFile.model_validate(data), Path(path).resolve().parent
    except ValidationError as error:
        lines = [
            f"{path}: {'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        ]
        raise WorldError("\n".join(lines)) from None


def check_world(world: WorldFile, plan: Any, world_path: Path | None) -> None:
    """Each of the plan's databases must be in the world; unknown names are errors too."""
    where = world_path or "(no world file)"
    wanted = {db.name for db in plan.databases}
    problems = [
        f"{where}: databases.{name}: missing: say where the plan's database {name!r} lives locally, e.g. "
        f"{name}: {{source: {{engine: sqlite, file: {name}-source.db, seed: sample}}, target: "
        f"{{engine: sqlite, file: {name}-target.db}}}}"
        for name in sorted(wanted - set(world.databases))
    ]
    problems += [
        f"{where}: databases.{name}: the plan has no database of that name (it has: {', '.join(sorted(wanted)) or 'none'})"
        for name in sorted(set(world.databases) - wanted)
    ]
    hosts = {s.hostname for w in plan.waves for s in w.servers}
    problems += [
        f"{where}: servers.{name}: the plan has no server with that hostname"
        for name in sorted(set(world.servers) - hosts)
    ]
    if problems:
        raise WorldError("\n".join(problems))
