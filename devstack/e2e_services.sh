#!/usr/bin/env bash
# What the end-to-end tests need besides PostgreSQL and MariaDB (devstack/databases.sh): Redis, the broker
# of the CeleryExecutor mode, started if down; Debian's Chromium for the browser test, installed if missing.
# Idempotent; installing needs root (CI and the dev machines are).
set -euo pipefail
# The servers started below must not inherit the caller's descriptors (a held flock, for one).
for fd in 3 4 5 6 7 8 9; do eval "exec $fd>&-"; done

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null; then
    echo "e2e services: installing redis-server"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
  fi
  echo "e2e services: starting Redis"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no
  for _ in $(seq 1 60); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "e2e services: Redis did not come up" >&2; exit 1; }
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "e2e services: installing Debian's chromium (the browser test drives /usr/bin/chromium)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
echo "e2e services: Redis ready, $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium missing')"
