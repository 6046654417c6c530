"""Row checks source vs target after DMS validation: source figures in SQL, the target checked by GX Core."""
