"""What a table looks like and what it adds up to, computed by SQL in the database (nothing pulled).

``profile`` reads the catalog (columns, primary key, numeric columns); ``figures`` runs one aggregate query:
row count and SUM/MIN/MAX of every numeric column. The row checks pass the source's figures to GX as
expectation parameters; the benchmark's plain-SQL baseline runs the same function on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TableRef:
    schema: str | None
    table: str

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


@dataclass
class TableProfile:
    ref: TableRef
    columns: list[str]
    key: list[str]
    numeric: dict[str, bool] = field(default_factory=dict)  # column -> exact (integer/decimal) or float


def profile(engine: Any, ref: TableRef) -> TableProfile:
    from sqlalchemy import Boolean, Float, Integer, Numeric, inspect

    inspector = inspect(engine)
    columns = inspector.get_columns(ref.table, schema=ref.schema)
    key = inspector.get_pk_constraint(ref.table, schema=ref.schema).get("constrained_columns") or []
    numeric: dict[str, bool] = {}
    for col in columns:
        kind = col["type"]
        if isinstance(kind, Boolean) or not isinstance(kind, Integer | Numeric):
            continue
        numeric[col["name"]] = not isinstance(kind, Float) and not (
            isinstance(kind, Numeric) and getattr(kind, "asdecimal", True) is False
        )
    return TableProfile(ref, [c["name"] for c in columns], list(key), numeric)


def _table(engine: Any, ref: TableRef) -> Any:
    from sqlalchemy import MetaData, Table

    return Table(ref.table, MetaData(), autoload_with=engine, schema=ref.schema)


def figures(engine: Any, prof: TableProfile) -> dict[str, Any]:
    """``{"rows": n, "columns": {col: {"sum", "min", "max"}}}`` in one SELECT."""
    from sqlalchemy import func, select

    table = _table(engine, prof.ref)
    parts = [func.count().label("rows")]
    for col in prof.numeric:
        c = table.c[col]
        parts += [
            func.sum(c).label(f"{col}__sum"),
            func.min(c).label(f"{col}__min"),
            func.max(c).label(f"{col}__max"),
        ]
    with engine.connect() as conn:
        row = conn.execute(select(*parts).select_from(table)).mappings().one()
    return {
        "rows": int(row["rows"]),
        "columns": {col: {s: row[f"{col}__{s}"] for s in ("sum", "min", "max")} for col in prof.numeric},
    }


def key_problems(engine: Any, prof: TableProfile) -> dict[str, int]:
    """Rows with a NULL key column and keys that appear more than once (the plain-SQL key checks)."""
    from sqlalchemy import and_, func, or_, select

    if not prof.key:
        return {"null_keys": 0, "duplicate_keys": 0}
    table = _table(engine, prof.ref)
    cols = [table.c[k] for k in prof.key]
    nulls = select(func.count()).select_from(table).where(or_(*[c.is_(None) for c in cols]))
    dupes = (
        select(*cols).where(and_(*[c.is_not(None) for c in cols])).group_by(*cols).having(func.count() > 1)
    )
    with engine.connect() as conn:
        return {
            "null_keys": int(conn.execute(nulls).scalar_one()),
            "duplicate_keys": int(
                conn.execute(select(func.count()).select_from(dupes.subquery())).scalar_one()
            ),
        }
