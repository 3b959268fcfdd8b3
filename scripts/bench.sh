#!/usr/bin/env bash
# Every benchmark from scratch (what `make bench` runs): a synthetic corpus per size, load throughput against the
# naive loader and neo4j-admin import, loader memory, COAUTHOR + discovery time and memory, panel latency over HTTP
# against an unbounded two-hop query; then the topics/identity/parse evaluations, and the collector that writes
# bench/results/summary.json, the plots and the table in BENCHMARKS.md.
#   scripts/bench.sh                 100k and 1M works (BENCH_WORKS="100000 1000000"); sizes above 500k get their graph
#                                    from bench/graph1m.py (neo4j-admin import with kg load's properties, in its own
#                                    Neo4j: KG_BENCH1M_HOME, default .kg/neo4j-bench1m, Bolt 18720) — kg load cannot
#                                    load 1M works in a bench window yet; add --kg-load-large to time it anyway
#   scripts/bench.sh --quick         one 2k-work corpus, fewer requests (a smoke run)
# Neo4j: KG_NEO4J_URI when set (it is WIPED), else a local Neo4j of the bench's own (KG_BENCH_HOME, default
# .kg/neo4j-bench; KG_BENCH_BOLT_PORT 17719, KG_BENCH_HTTP_PORT 17819), stopped at the end unless KG_BENCH_KEEP_DB=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "${KG_SKIP_SETUP:-0}" != 1 ]]; then
  # shellcheck disable=SC1091
  source scripts/setup.sh --dev
fi
PY="${PYTHON:-python}"

ARGS=()
if [[ "${1:-}" == "--quick" ]]; then
  ARGS=(--quick)
else
  for n in ${BENCH_WORKS:-100000 1000000}; do ARGS+=(--works "$n"); done
fi

stop_db() {
  if [[ -z "${KG_NEO4J_URI:-}" && "${KG_BENCH_KEEP_DB:-0}" != 1 ]]; then
    KG_LOCALDB_HOME="${KG_BENCH_HOME:-$ROOT/.kg/neo4j-bench}" KG_BOLT_PORT="${KG_BENCH_BOLT_PORT:-17719}" \
      KG_HTTP_PORT="${KG_BENCH_HTTP_PORT:-17819}" "$PY" -m kg.cli db stop >/dev/null || true
    KG_LOCALDB_HOME="${KG_BENCH1M_HOME:-$ROOT/.kg/neo4j-bench1m}" KG_BOLT_PORT="${KG_BENCH1M_BOLT_PORT:-18720}" \
      KG_HTTP_PORT="${KG_BENCH1M_HTTP_PORT:-18820}" "$PY" -m kg.cli db stop >/dev/null || true
  fi
}
trap stop_db EXIT

echo "== load, memory, discovery, panel"
"$PY" -m bench.run "${ARGS[@]}"

# The quality evaluations belong to their own issues; their scripts write bench/results/<name>.json (the quick
# smoke run leaves them out: it only checks that this machinery works).
if [[ "${ARGS[0]}" != "--quick" ]]; then
  for script in bench/topics_eval.py bench/identity_eval.py bench/parse_accuracy.py; do
    if [[ -f "$script" ]]; then
      echo "== $script"
      "$PY" "$script" || echo "warning: $script failed; its figures are missing from the report" >&2
    fi
  done
fi

echo "== collect"
"$PY" -m bench.collect
