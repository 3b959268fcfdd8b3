#!/usr/bin/env bash
# The main job: installs what is missing, starts the local Neo4j (unless KG_NEO4J_URI names another),
# applies the schema, loads the sample data (a directory you name, by default ../shared/data) and serves.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source scripts/setup.sh
exec kg up "$@"
