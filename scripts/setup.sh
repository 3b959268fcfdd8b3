#!/usr/bin/env bash
# Installs what Research KG needs on this machine, once: a virtualenv with the package (and dev tools with
# --dev), the Neo4j jars from Maven Central, and (with --dev) the web panel's npm packages and Debian's chromium.
# Sourced by scripts/run.sh and scripts/test.sh; safe to run again (each step skips what is already there).
# One line per step; the tools' own output goes to .kg/setup.log, whose end is shown when a step fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1
PY="${PYTHON:-python3}"
SETUP_LOG="$ROOT/.kg/setup.log"
mkdir -p "$ROOT/.kg"
: >"$SETUP_LOG"

need() { command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is not installed ($2)" >&2; exit 1; }; }

took() { # seconds → "7s" or "1m52s"
  local s=$1
  if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# step LABEL COMMAND…: run COMMAND with its output in the log; on a terminal the line counts the seconds.
step() {
  local label=$1 t0=$SECONDS rc=0
  shift
  echo "== $label" >>"$SETUP_LOG"
  if [[ -t 1 ]]; then
    "$@" >>"$SETUP_LOG" 2>&1 &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      printf '\r… %s %s' "$label" "$(took $((SECONDS - t0)))"
      sleep 0.5
    done
    wait "$pid" || rc=$?
    printf '\r\033[K'
  else
    "$@" >>"$SETUP_LOG" 2>&1 || rc=$?
  fi
  if ((rc != 0)); then
    echo "✗ $label failed (exit $rc); the end of $SETUP_LOG:" >&2
    tail -n 20 "$SETUP_LOG" | sed 's/^/    /' >&2
    exit 1
  fi
  echo "✓ $label ($(took $((SECONDS - t0))))"
}

need "$PY" "Research KG needs Python 3.11+"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "error: $("$PY" --version 2>&1) is too old: Research KG needs Python 3.11+ (set PYTHON=python3.11)" >&2; exit 1; }
need java "the local Neo4j needs Java 17+ (or set KG_NEO4J_URI to your own Neo4j)"
need mvn "Maven fetches the Neo4j jars once"

DID=0
if [[ ! -x "$ROOT/.venv/bin/python" ]]; then
  step "creating the Python environment (.venv)" "$PY" -m venv "$ROOT/.venv"
  DID=1
fi
# shellcheck disable=SC1091
source "$ROOT/.venv/bin/activate"
stamp() { echo "$ROOT/.venv/.installed-$( (cat "$ROOT/pyproject.toml"; echo "dev=$1") | sha1sum | cut -c1-12)"; }
STAMP="$(stamp "$DEV")"
# an install with the dev tools holds everything a plain one needs
if [[ ! -f "$STAMP" && ! ( $DEV == 0 && -f "$(stamp 1)" ) ]]; then
  install_python() {
    python -m pip install --upgrade pip
    if [[ $DEV == 1 ]]; then python -m pip install -e "$ROOT[dev]"; else python -m pip install -e "$ROOT"; fi
  }
  step "installing Python packages$([[ $DEV == 1 ]] && echo ' (with the dev tools)')" install_python
  touch "$STAMP"
  DID=1
fi

if ! ls "$ROOT"/localdb/target/lib/neo4j-5.26.*.jar >/dev/null 2>&1 || ! ls "$ROOT"/localdb/target/plugins/apoc-core-*.jar >/dev/null 2>&1; then
  step "fetching Neo4j 5.26, the Browser and APOC from Maven Central" mvn -B -q -f "$ROOT/localdb/pom.xml" package
  DID=1
fi

# The web panel: npm packages from the lock file, then the build the API serves from web/dist.
if [[ -f "$ROOT/web/package.json" ]]; then
  if command -v npm >/dev/null 2>&1; then
    if [[ ! -d "$ROOT/web/node_modules" || "$ROOT/web/package-lock.json" -nt "$ROOT/web/node_modules/.package-lock.json" ]]; then
      step "installing the web panel's npm packages" npm --prefix "$ROOT/web" ci --no-audit --no-fund --loglevel=error
      DID=1
    fi
    if [[ ! -f "$ROOT/web/dist/index.html" || -n "$(find "$ROOT/web/src" "$ROOT/web/index.html" "$ROOT/web/package-lock.json" -newer "$ROOT/web/dist/index.html" -print -quit)" ]]; then
      step "building the web panel" npm --prefix "$ROOT/web" run build --silent
      DID=1
    fi
  else
    echo "note: npm is not installed; the API will run without the web panel (install Node.js 20+ for it)" >&2
  fi
fi

if [[ $DEV == 1 ]]; then
  if ! command -v chromium >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      install_chromium() {
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq || true
        # a machine with half-configured packages needs --fix-broken before apt installs anything new
        apt-get install -y -qq chromium || { apt-get --fix-broken install -y -qq; apt-get install -y -qq chromium; }
      }
      if ! (step "installing Debian's chromium for the browser tests" install_chromium); then
        echo "note: could not install chromium; the browser tests will skip" >&2
      fi
    else
      echo "note: chromium is not installed; the browser tests will skip" >&2
    fi
  fi
fi
((DID)) || echo "✓ setup: everything is installed already"
