"""Change data capture for the DMS engine: PostgreSQL logical decoding, MariaDB binlog, SQLite triggers.

Public API: `CdcRun` (capture + apply of one task), `CdcOptions`, `Faults`, `parse_stop_position`.
"""

from .runner import CdcOptions, CdcRun, Faults, parse_stop_position

__all__ = ["CdcOptions", "CdcRun", "Faults", "parse_stop_position"]
