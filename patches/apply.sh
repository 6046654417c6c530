#!/usr/bin/env bash
# Apply (or with --revert, remove) the patches in this folder to the Airflow installed for PYTHON.
# Idempotent: a patch already applied is left alone. Each patch must match the installed release:
# its name starts with the distribution and version it is for (airflow-3.3.2-...).
#   patches/apply.sh [--revert] [--check]      PYTHON=.venv/bin/python by default
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
mode="${1:-apply}"
site="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
version="$("$python" -c 'from importlib.metadata import version; print(version("apache-airflow-core"))')"
status=0
for p in "$here"/airflow-*.patch; do
  name="$(basename "$p")"
  want="${name#airflow-}"; want="${want%%-*}"
  if [ "$want" != "$version" ]; then
    echo "patches: $name is for Airflow $want, but $version is installed: update or drop the patch" >&2
    exit 2
  fi
  applied=no
  patch -d "$site" -p1 -R --dry-run --silent -f <"$p" >/dev/null 2>&1 && applied=yes
  case "$mode" in
    apply)
      if [ "$applied" = yes ]; then echo "patches: $name already applied"; continue; fi
      patch -d "$site" -p1 --forward --silent --no-backup-if-mismatch -r - <"$p" && echo "patches: applied $name" ;;
    --revert)
      if [ "$applied" = no ]; then echo "patches: $name not applied"; continue; fi
      patch -d "$site" -p1 -R --silent --no-backup-if-mismatch -r - <"$p" && echo "patches: reverted $name" ;;
    --check)
      echo "patches: $name applied=$applied"; [ "$applied" = yes ] || status=1 ;;
    *) echo "usage: $0 [--revert|--check]" >&2; exit 2 ;;
  esac
done
exit "$status"
