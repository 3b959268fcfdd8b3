#!/usr/bin/env bash
# The main job: installs what is missing, starts the local Neo4j (unless KG_NEO4J_URI names another), applies
# the schema, loads the data (the real sample shipped in kg/data, or a directory you name), derives and serves.
set -euo pipefail
KG_RUN_STARTED="$(date +%s.%N)"  # kg up prints the total time from here, setup included
export KG_RUN_STARTED
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source scripts/setup.sh
exec kg up "$@"
