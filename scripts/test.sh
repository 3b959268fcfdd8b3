#!/usr/bin/env bash
# The whole test suite: installs what is missing, then lint (ruff), types (mypy) and every test (pytest)
# against a real Neo4j (KG_NEO4J_URI, else testcontainers, else the local Neo4j it starts).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source scripts/setup.sh --dev
echo "== ruff"
ruff check kg api tests bench
ruff format --check kg api tests bench
echo "== mypy"
mypy
echo "== pytest"
python -m pytest "$@"
