# The Airflow image of docker-compose.yaml: the official image plus this project's pinned dependencies and
# the Airflow fixes it carries (patches/, applied by the same script as `make venv`).
FROM apache/airflow:3.3.2-python3.11
USER root
RUN apt-get update && apt-get install -y --no-install-recommends patch && rm -rf /var/lib/apt/lists/*
USER airflow
COPY requirements.txt constraints.txt /opt/airflow/
COPY patches/ /opt/airflow/patches/
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt \
 && PYTHON=python /opt/airflow/patches/apply.sh
