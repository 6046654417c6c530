"""A local Airflow for the demo and end-to-end tests: real api-server, scheduler, dag-processor and
triggerer on SQLite with the LocalExecutor, and a small REST client to drive it as a user would."""
