"""Heterogeneous type mapping through DMS's own data types, as AWS DMS does it.

A source column is first read as a DMS type (`DmsType`: BOOLEAN, INT1..INT8, UINT1..UINT8, NUMERIC(p,s),
REAL4, REAL8, DATE, TIME, DATETIME(s), STRING/WSTRING(n), BYTES(n), BLOB, CLOB, NCLOB); the target column is
then declared from that DMS type. The table is in `sandbox/dms/README.md` ("Type mapping"); keep both in step.
`change-data-type` transformations name a DMS type (`{"type": "string", "length": 50}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import types as sqltypes

LOB_TYPES = frozenset({"BLOB", "CLOB", "NCLOB"})
INTEGER_TYPES = frozenset({"INT1", "INT2", "INT4", "INT8", "UINT1", "UINT2", "UINT4", "UINT8"})
STRING_TYPES = frozenset({"STRING", "WSTRING", "CLOB", "NCLOB"})
BINARY_TYPES = frozenset({"BYTES", "BLOB"})
ALL_TYPES = (
    INTEGER_TYPES
    | STRING_TYPES
    | BINARY_TYPES
    | {"BOOLEAN", "NUMERIC", "REAL4", "REAL8", "DATE", "TIME", "DATETIME"}
)
# SQLite stores NUMERIC in REAL (8-byte float) or INTEGER: exact only up to 15 significant digits.
SQLITE_EXACT_NUMERIC_DIGITS = 15


@dataclass(frozen=True)
class DmsType:
    name: str
    length: int | None = None  # STRING/WSTRING/BYTES length
    precision: int | None = None  # NUMERIC precision
    scale: int | None = None  # NUMERIC scale, DATETIME/TIME fractional digits
    # CHAR(n) on the source: blank-padded there; loaded without the padding (see fixed_width in README)
    fixed: bool = field(default=False, compare=False)

    @property
    def is_lob(self) -> bool:
        return self.name in LOB_TYPES

    def __str__(self) -> str:
        if self.name == "NUMERIC" and self.precision is not None:
            return f"NUMERIC({self.precision},{self.scale or 0})"
        if self.length is not None:
            return f"{self.name}({self.length})"
        return self.name

    @classmethod
    def from_transformation(cls, spec: dict) -> DmsType:
        """The `data-type` object of a change-data-type / add-column rule."""
        raw = str(spec.get("type", "")).upper()
        aliases = {"STRING": "STRING", "WSTRING": "WSTRING", "INT": "INT4", "INTEGER": "INT4"}
        name = aliases.get(raw, raw)
        if name not in ALL_TYPES:
            raise ValueError(f"unknown DMS data type {spec.get('type')!r}")
        length = spec.get("length")
        precision = spec.get("precision")
        scale = spec.get("scale")
        return cls(
            name,
            int(length) if length is not None else None,
            int(precision) if precision is not None else None,
            int(scale) if scale is not None else None,
        )


def from_reflected(coltype: sqltypes.TypeEngine, dialect: str) -> DmsType:
    """DMS type of a reflected source column (`dialect`: sqlite, postgresql, mysql)."""
    name = type(coltype).__name__.upper()
    if name == "DOMAIN":  # a PostgreSQL domain is read as its base type
        return from_reflected(coltype.data_type, dialect)
    if isinstance(coltype, sqltypes.Boolean):
        return DmsType("BOOLEAN")
    if isinstance(coltype, sqltypes.Integer):
        return _integer(coltype, name, dialect)
    if name == "YEAR":
        return DmsType("INT2")
    if isinstance(coltype, sqltypes.Float):
        return _float(coltype, name, dialect)
    if isinstance(coltype, sqltypes.Numeric):
        return DmsType("NUMERIC", precision=coltype.precision, scale=coltype.scale)
    if isinstance(coltype, sqltypes.DateTime | sqltypes.Date | sqltypes.Time):
        return _temporal(coltype, dialect)
    return _text_or_binary(coltype, name)


def _integer(coltype: sqltypes.TypeEngine, name: str, dialect: str) -> DmsType:
    unsigned = bool(getattr(coltype, "unsigned", False))
    if dialect == "sqlite":
        return DmsType("INT8")
    if name == "TINYINT":
        return DmsType("UINT1" if unsigned else "INT1")
    if isinstance(coltype, sqltypes.SmallInteger):
        return DmsType("UINT2" if unsigned else "INT2")
    if isinstance(coltype, sqltypes.BigInteger):
        return DmsType("UINT8" if unsigned else "INT8")
    if name == "YEAR":
        return DmsType("INT2")
    return DmsType("UINT4" if unsigned else "INT4")


def _float(coltype: sqltypes.TypeEngine, name: str, dialect: str) -> DmsType:
    if dialect == "sqlite" or isinstance(coltype, sqltypes.Double) or "DOUBLE" in name:
        return DmsType("REAL8")
    if name == "REAL":
        return DmsType("REAL8" if dialect == "mysql" else "REAL4")
    precision = getattr(coltype, "precision", None)
    if dialect == "postgresql" and (precision is None or precision > 24):
        return DmsType("REAL8")
    return DmsType("REAL4")


def _temporal(coltype: sqltypes.TypeEngine, dialect: str) -> DmsType:
    scale = getattr(coltype, "fsp", None) if dialect == "mysql" else getattr(coltype, "precision", None)
    if isinstance(coltype, sqltypes.DateTime):
        if scale is None:
            scale = 0 if dialect == "mysql" else 6
        return DmsType("DATETIME", scale=scale)
    if isinstance(coltype, sqltypes.Date):
        return DmsType("DATE")
    return DmsType("TIME", scale=0 if scale is None and dialect == "mysql" else scale)


def _text_or_binary(coltype: sqltypes.TypeEngine, name: str) -> DmsType:
    if name == "SET":  # any combination of members, comma-separated
        members = list(getattr(coltype, "values", ()) or ())
        return DmsType("WSTRING", length=max(1, sum(len(m) for m in members) + len(members) - 1))
    if isinstance(coltype, sqltypes.Enum):
        longest = max((len(e) for e in coltype.enums), default=1)
        return DmsType("WSTRING", length=longest)
    if isinstance(coltype, sqltypes.Text):
        return DmsType("WSTRING", length=255) if name == "TINYTEXT" else DmsType("NCLOB")
    if isinstance(coltype, sqltypes.String):
        if coltype.length:
            return DmsType("WSTRING", length=coltype.length, fixed=isinstance(coltype, sqltypes.CHAR))
        return DmsType("NCLOB")
    if isinstance(coltype, sqltypes.JSON):
        return DmsType("NCLOB")
    if isinstance(coltype, sqltypes.Uuid) or name == "UUID":
        return DmsType("WSTRING", length=36)
    if isinstance(coltype, sqltypes._Binary):
        length = getattr(coltype, "length", None)
        if name in ("BINARY", "VARBINARY") and length:
            return DmsType("BYTES", length=length)
        if name == "TINYBLOB":
            return DmsType("BYTES", length=255)
        return DmsType("BLOB")
    if isinstance(coltype, sqltypes.Interval):
        return DmsType("STRING", length=64)
    # NullType (SQLite column without a declared type), arrays, ranges, network types...: text
    return DmsType("NCLOB")


_PG_SIMPLE = {
    "BOOLEAN": "boolean",
    "INT1": "smallint",
    "INT2": "smallint",
    "UINT1": "smallint",
    "INT4": "integer",
    "UINT2": "integer",
    "INT8": "bigint",
    "UINT4": "bigint",
    "UINT8": "numeric(20,0)",
    "REAL4": "real",
    "REAL8": "double precision",
    "DATE": "date",
    "CLOB": "text",
    "NCLOB": "text",
    "BLOB": "bytea",
    "BYTES": "bytea",
}
_MYSQL_SIMPLE = {
    "BOOLEAN": "tinyint(1)",
    "INT1": "tinyint",
    "UINT1": "tinyint unsigned",
    "INT2": "smallint",
    "UINT2": "smallint unsigned",
    "INT4": "int",
    "UINT4": "int unsigned",
    "INT8": "bigint",
    "UINT8": "bigint unsigned",
    "REAL4": "float",
    "REAL8": "double",
    "DATE": "date",
}
_SQLITE_SIMPLE = {
    "BOOLEAN": "BOOLEAN",
    "REAL4": "REAL",
    "REAL8": "REAL",
    "DATE": "DATE",
    "TIME": "TIME",
    "DATETIME": "DATETIME",
    "CLOB": "TEXT",
    "NCLOB": "TEXT",
    "BLOB": "BLOB",
    "BYTES": "BLOB",
}


def target_ddl(t: DmsType, dialect: str, *, in_primary_key: bool = False) -> str:
    """Column type declared on the target for a DMS type (`dialect`: sqlite, postgresql, mysql)."""
    ddl = {"postgresql": _pg_ddl, "mysql": _mysql_ddl, "sqlite": _sqlite_ddl}.get(dialect)
    declared = ddl(t, in_primary_key) if ddl is not None else None
    if declared is None:
        raise ValueError(f"no {dialect} type for DMS type {t}")
    return declared


def _pg_ddl(t: DmsType, in_primary_key: bool) -> str | None:
    n = t.name
    if n in _PG_SIMPLE:
        return _PG_SIMPLE[n]
    if n == "NUMERIC":
        return f"numeric({t.precision},{t.scale or 0})" if t.precision else "numeric"
    if n == "TIME":
        return f"time({min(t.scale, 6)})" if t.scale is not None else "time"
    if n == "DATETIME":
        return f"timestamp({min(t.scale, 6)})" if t.scale is not None else "timestamp"
    if n in ("STRING", "WSTRING"):
        return f"varchar({t.length})" if t.length else "text"
    return None


def _mysql_ddl(t: DmsType, in_primary_key: bool) -> str | None:
    n = t.name
    if n in _MYSQL_SIMPLE:
        return _MYSQL_SIMPLE[n]
    if n == "NUMERIC":
        if not t.precision:
            return "decimal(65,30)"
        return f"decimal({min(t.precision, 65)},{min(t.scale or 0, 30)})"
    if n == "TIME":
        return f"time({min(t.scale or 0, 6)})"
    if n == "DATETIME":
        return f"datetime({min(t.scale or 0, 6)})"
    if n in ("STRING", "WSTRING") and t.length and t.length <= 16383:
        return f"varchar({t.length})"
    if n in ("STRING", "WSTRING", "CLOB", "NCLOB"):
        return "varchar(255)" if in_primary_key else "longtext"
    if n == "BYTES":
        return f"varbinary({t.length})" if t.length and t.length <= 65532 else "longblob"
    if n == "BLOB":
        return "varbinary(255)" if in_primary_key else "longblob"
    return None


def _sqlite_ddl(t: DmsType, in_primary_key: bool) -> str | None:
    n = t.name
    if n in INTEGER_TYPES:
        return "INTEGER"
    if n in _SQLITE_SIMPLE:
        return _SQLITE_SIMPLE[n]
    if n == "NUMERIC":
        if t.precision and t.precision <= SQLITE_EXACT_NUMERIC_DIGITS:
            return f"NUMERIC({t.precision},{t.scale or 0})"
        return "TEXT"  # exact decimal kept as its text
    if n in ("STRING", "WSTRING"):
        return f"VARCHAR({t.length})" if t.length else "TEXT"
    return None
