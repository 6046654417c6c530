"""Pure evaluation of DMS state: table statistics, CDC latency series (no AWS calls here)."""
