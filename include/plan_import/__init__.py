"""Draft a migration plan from what exists: an AWS account (MGN, DMS, Route 53) or an intake CSV."""
