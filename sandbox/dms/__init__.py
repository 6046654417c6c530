"""DMS in the sandbox: a control plane faithful to the botocore model and an engine that moves real rows.

`sandbox.dms.engine` copies and validates tables between SQLite, PostgreSQL and MariaDB following DMS
table mappings and task settings; `sandbox.dms.service.DmsService` serves the JSON 1.1 API.
"""
