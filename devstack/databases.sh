#!/usr/bin/env bash
# Start the local PostgreSQL and MariaDB the tests and rehearsals use, and configure them for change data
# capture the way DMS needs it on a source: PostgreSQL logical decoding (wal_level=logical, replication slots),
# MariaDB's binary log in ROW format with full row images. Idempotent: a server already configured is left
# running; one that is not is reconfigured and restarted once. Needs root (CI and the dev machines are).
set -euo pipefail
# The servers started below must not inherit the caller's descriptors: under `flock /work/wt/heavy.lock
# .ci/run` PostgreSQL kept the lock's descriptor open and held the lock for as long as it ran.
for fd in 3 4 5 6 7 8 9; do eval "exec $fd>&-"; done

wait_for() {  # name, command: poll until the command succeeds (30 s)
  local name=$1; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "databases: $name did not come up" >&2; return 1
}

pg_version=$(ls /etc/postgresql | sort -n | tail -n1)
pg() { pg_ctlcluster --skip-systemctl-redirect "$pg_version" main "$@"; }
psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -Atqc "$1"; }

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "databases: starting PostgreSQL $pg_version"
  pg start || true
fi
wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432 -q
if [ "$(psql_admin 'SHOW wal_level')" != logical ] || [ "$(psql_admin 'SHOW max_replication_slots')" -lt 64 ]; then
  echo "databases: PostgreSQL: wal_level=logical, 64 replication slots and WAL senders (restart)"
  psql_admin "ALTER SYSTEM SET wal_level = logical"
  psql_admin "ALTER SYSTEM SET max_replication_slots = 64"
  psql_admin "ALTER SYSTEM SET max_wal_senders = 64"
  psql_admin "ALTER SYSTEM SET max_connections = 300"
  pg restart
  wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432 -q
fi

mariadb_ready() { mariadb-admin -h 127.0.0.1 -u root status; }
MARIADB_CNF=/etc/mysql/my.cnf
MARKER="# migration-project: binlog for CDC"
if ! grep -qF "$MARKER" "$MARIADB_CNF" 2>/dev/null; then
  echo "databases: MariaDB: binary log in ROW format with full row images ($MARIADB_CNF)"
  cat >>"$MARIADB_CNF" <<CNF

$MARKER (devstack/databases.sh)
[mysqld]
server_id = 1
log_bin = /var/lib/mysql/mariadb-bin
binlog_format = ROW
binlog_row_image = FULL
binlog_row_metadata = FULL
max_binlog_size = 256M
binlog_expire_logs_seconds = 172800
max_connections = 500
CNF
  if mariadb_ready >/dev/null 2>&1; then
    mariadb-admin -h 127.0.0.1 -u root shutdown || true
    for _ in $(seq 1 60); do pgrep -x mariadbd >/dev/null || break; sleep 0.5; done
  fi
fi
if ! mariadb_ready >/dev/null 2>&1; then
  echo "databases: starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
wait_for MariaDB mariadb_ready
if [ "$(mariadb -h 127.0.0.1 -u root -Nse 'SELECT @@log_bin')" != 1 ]; then
  echo "databases: MariaDB runs without its binary log although $MARIADB_CNF enables it; restart it" >&2
  exit 1
fi
echo "databases: PostgreSQL (wal_level=logical) and MariaDB (binlog ROW) ready"
