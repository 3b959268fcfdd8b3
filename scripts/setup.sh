#!/usr/bin/env bash
# Installs what Research KG needs on this machine, once: a virtualenv with the package (and dev tools with
# --dev), the Neo4j jars from Maven Central, and (with --dev) the web panel's npm packages and Debian's chromium.
# Sourced by scripts/run.sh and scripts/test.sh; safe to run again (each step skips what is already there).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1
PY="${PYTHON:-python3}"

need() { command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is not installed ($2)" >&2; exit 1; }; }
need "$PY" "Research KG needs Python 3.11+"
need java "the local Neo4j needs Java 17+ (or set KG_NEO4J_URI to your own Neo4j)"
need mvn "Maven fetches the Neo4j jars once"

if [[ ! -x "$ROOT/.venv/bin/python" ]]; then
  echo "setup: creating .venv"
  "$PY" -m venv "$ROOT/.venv"
fi
# shellcheck disable=SC1091
source "$ROOT/.venv/bin/activate"
STAMP="$ROOT/.venv/.installed-$( (cat "$ROOT/pyproject.toml"; echo "dev=$DEV") | sha1sum | cut -c1-12)"
if [[ ! -f "$STAMP" ]]; then
  echo "setup: installing Python packages"
  python -m pip install -q --upgrade pip >/dev/null
  if [[ $DEV == 1 ]]; then python -m pip install -q -e "$ROOT[dev]"; else python -m pip install -q -e "$ROOT"; fi
  touch "$STAMP"
fi

if ! ls "$ROOT"/localdb/target/lib/neo4j-5.26.*.jar >/dev/null 2>&1 || ! ls "$ROOT"/localdb/target/plugins/apoc-core-*.jar >/dev/null 2>&1; then
  echo "setup: fetching Neo4j 5.26, the Browser and APOC from Maven Central"
  mvn -B -q -f "$ROOT/localdb/pom.xml" package
fi

# The web panel: npm packages from the lock file, then the build the API serves from web/dist.
if [[ -f "$ROOT/web/package.json" ]]; then
  if command -v npm >/dev/null 2>&1; then
    if [[ ! -d "$ROOT/web/node_modules" || "$ROOT/web/package-lock.json" -nt "$ROOT/web/node_modules/.package-lock.json" ]]; then
      echo "setup: installing the web panel's npm packages"
      (cd "$ROOT/web" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    if [[ ! -f "$ROOT/web/dist/index.html" || -n "$(find "$ROOT/web/src" "$ROOT/web/index.html" "$ROOT/web/package-lock.json" -newer "$ROOT/web/dist/index.html" -print -quit)" ]]; then
      echo "setup: building the web panel"
      (cd "$ROOT/web" && npm run build --silent >/dev/null)
    fi
  else
    echo "setup: npm is not installed; the API will run without the web panel" >&2
  fi
fi

if [[ $DEV == 1 ]]; then
  if ! command -v chromium >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing Debian's chromium for the browser tests"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null || true
      # a machine with half-configured packages needs --fix-broken before apt installs anything new
      apt-get install -y -qq chromium >/dev/null 2>&1 \
        || { apt-get --fix-broken install -y -qq >/dev/null 2>&1; apt-get install -y -qq chromium >/dev/null 2>&1; } \
        || echo "setup: could not install chromium; the browser tests will skip" >&2
    else
      echo "setup: chromium is not installed; the browser tests will skip" >&2
    fi
  fi
fi
