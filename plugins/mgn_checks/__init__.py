"""Pure evaluation of MGN responses, shared by operators, sensors and triggers (no I/O here)."""
