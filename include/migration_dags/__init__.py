"""DAG builders: turn validated migration plans into Airflow DAGs (the dags/ entry file stays thin)."""
