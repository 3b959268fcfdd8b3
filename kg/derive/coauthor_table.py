"""COAUTHOR from the resolved authorships, in SQL over the stage (never from graph reads), whole or for what changed.

The same definition as cypher/coauthors/write_pairs.cypher: a work makes pairs only if its author count (the larger
of its authorships and the count its sources state) is at most the cap; shared_works counts the works of a pair,
weight = Σ 1/(n−1) over them (n = the work's authorships), years are the first and last, works are up to five
ids, most recent first (no year last), then by id. The weight is summed in that order and rounded, so every engine
and every run gives the same number.

A pair's row is a function of the works that make pairs (their id, n and year) and both researchers authored. So
it changes only through a work that (a) gained or lost an author, or (b) changed state (n, year, under or over
the cap): once the stage has a table, resolution records every (researcher, work) authorship it adds or removes in
`pending_coauthor` (kg.resolve.researchers.replace_groups: every authorship change goes through there, since a work
re-resolved in any way has its old and new authors' blocks re-clustered, kg.resolve.works.replace_works); each
work's state as of the last build is kept in `coauthor_work` and compared with the current one (a group-by over the
authorships); and the authorships of every pair-making work as of the last build in `coauthor_basis`. A build then
recomputes only the pairs among the authors, now or at the last build, of a work of (a) or (b) (at most cap² per
work), from every work the two share. Before the first build, after a change of cap, or when those pairs are more
than WHOLE_REBUILD_SHARE of the table, it rebuilds everything.

Everything happens in one transaction that also clears `pending_coauthor`: a load killed before or during the build
leaves the changes recorded, and the next build applies them (tests/test_coauthor_table.py checks incremental ==
whole over random sequences of loads, and a build killed with SIGKILL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kg.resolve.tables import COAUTHOR_BUILT
from kg.stage.store import StageStore, drop_temp

# Above this share of the table's pairs to recompute, rebuild everything: at 100k works the two took the same time
# at 50% (the incremental build 1.9x faster at 30%, 3.6x at 10%)
# (bench/coauthor_incremental.py --sweep, BENCHMARKS.md).
WHOLE_REBUILD_SHARE = 0.4

Mode = Literal["auto", "whole", "incremental"]

# Each work's state: n (distinct researchers) and year when it makes pairs (2 <= n, author count <= cap), `big` when
# it is over the cap (its authors count it in big_team_works). Works that are neither are left out.
_WORK_STATE_SQL = """
SELECT w, CASE WHEN ok THEN n END AS n, CASE WHEN ok THEN year END AS year, big FROM (
    SELECT c.w, c.n, wk.year, c.n >= 2 AND greatest(coalesce(wk.author_count, 0), c.n) <= $cap AS ok,
           greatest(coalesce(wk.author_count, 0), c.n) > $cap AS big
    FROM (SELECT dst AS w, count(DISTINCT src) AS n FROM authored GROUP BY dst) c JOIN work wk ON wk.id = c.w
) WHERE ok OR big
"""

# The aggregates of one pair over the pair-making works both its researchers authored (a1, a2: authorships; ok:
# the works that make pairs).
_PAIR_COLUMNS = """
count(*), round(list_sum(list(1.0 / (ok.n - 1) ORDER BY coalesce(ok.year, -1000000) DESC, ok.w)), 9),
min(ok.year), max(ok.year), list_slice(list(ok.w ORDER BY coalesce(ok.year, -1000000) DESC, ok.w), 1, 5)
"""

# every (pair, work) row of the works that make pairs, with the partition of the pair's first researcher (by hash),
# sorted by partition so that reading one partition reads only its blocks; a plain table, which DuckDB spills
_PAIR_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE _coauthor_rows AS
WITH ok AS (SELECT w, n, year FROM coauthor_work WHERE n IS NOT NULL),
a AS (SELECT DISTINCT src AS r, dst AS w FROM authored WHERE dst IN (SELECT w FROM ok))
SELECT hash(a1.r) % $parts AS part, a1.r AS r1, a2.r AS r2, ok.w, ok.n, ok.year
FROM ok JOIN a a1 ON a1.w = ok.w JOIN a a2 ON a2.w = ok.w AND a1.r < a2.r
ORDER BY part
"""

# the pairs of one partition, counted: most pairs share one work (3,311,594 pairs of 3,376,037 (pair, work) rows at
# 200k synthetic works), and the ordered list aggregates of _PAIR_COLUMNS cost ~90 % of the build even for a
# single-row group, so a pair of one work takes its row's values and only the others aggregate lists
_PART_PAIRS_SQL = """
CREATE OR REPLACE TEMP TABLE _coauthor_part AS
SELECT r1, r2, count(*) AS c, any_value(w) AS w, any_value(n) AS n, any_value(year) AS year
FROM _coauthor_rows WHERE part = $part
GROUP BY r1, r2
"""

# the pairs of one work: exactly what _PAIR_COLUMNS gives a single row (list_sum of one value is that value)
_ONE_WORK_PAIRS_SQL = """
SELECT r1, r2, 1, round(1.0 / (n - 1), 9), year, year, [w] FROM _coauthor_part WHERE c = 1
"""

# the pairs of several works, of one partition: the aggregates keep each pair's works as an ordered list, which
# DuckDB cannot spill to disk, so the table is built a partition at a time
_ALL_PAIRS_SQL = f"""
SELECT ok.r1, ok.r2, {_PAIR_COLUMNS}
FROM _coauthor_rows ok JOIN (SELECT r1, r2 FROM _coauthor_part WHERE c > 1) m ON m.r1 = ok.r1 AND m.r2 = ok.r2
WHERE ok.part = $part
GROUP BY ok.r1, ok.r2
"""

# the (pair, work) rows of one partition of the pairs of _coauthor_pairs (x < y): every pair-making work the two
# share, aggregated as the whole build's rows are. {into} starts the table or adds to it. A partition at a time: at
# 100k more works into a 1M stage these are ~1.7M pairs, and their rows in one statement (or their list aggregates)
# ran out of the stage's 512 MB.
_SOME_PAIR_ROWS_SQL = """
{into}
WITH p AS (SELECT x, y FROM _coauthor_pairs WHERE hash(x) % $parts = $part),
ok AS (SELECT w, n, year FROM coauthor_work WHERE n IS NOT NULL),
a AS (
    SELECT DISTINCT src AS r, dst AS w FROM authored
    WHERE src IN (SELECT x FROM p UNION SELECT y FROM p) AND dst IN (SELECT w FROM ok)
),
-- the pairs of these people on each work first (a work has at most cap authors), then those of p: joining p to
-- each end's works first expands a prolific researcher's works once per pair (27.5M rows for 1.8M at 1M + 100k)
shared AS MATERIALIZED (SELECT a1.r AS r1, a2.r AS r2, a1.w FROM a a1 JOIN a a2 ON a2.w = a1.w AND a1.r < a2.r)
SELECT $part AS part, s.r1, s.r2, ok.w, ok.n, ok.year
FROM shared s JOIN p ON p.x = s.r1 AND p.y = s.r2 JOIN ok ON ok.w = s.w
"""

# works with more authors than the cap make no COAUTHOR clique: each researcher says how many of theirs.
# {who} narrows the researchers updated (empty: all).
_BIG_TEAM_SQL = """
UPDATE researcher SET big_team_works = coalesce(b.big, 0)
FROM (
    SELECT r.id, count(DISTINCT big.w) AS big
    FROM researcher r LEFT JOIN (
        SELECT a.src AS r, a.dst AS w FROM authored a JOIN coauthor_work cw ON cw.w = a.dst WHERE cw.big
    ) big ON big.r = r.id
    {who}
    GROUP BY r.id
) b
WHERE researcher.id = b.id AND researcher.big_team_works IS DISTINCT FROM coalesce(b.big, 0)
"""

_BASIS_SQL = "SELECT DISTINCT a.src, a.dst FROM authored a JOIN coauthor_work cw ON cw.w = a.dst WHERE cw.n IS NOT NULL"


@dataclass
class CoauthorBuild:
    pairs: int  # rows in the table after the build
    whole: bool  # built whole (else only the changed works' pairs)
    changed_works: int  # works that gained or lost an author or changed state since the last build
    recomputed: int  # pairs recomputed (all of them when whole)


def build_coauthor_table(store: StageStore, cap: int, mode: Mode = "auto") -> CoauthorBuild:
    """Make the coauthor table (and researchers' big_team_works) what the resolved authorships give. `auto`
    recomputes only the pairs of the works that changed when the table was built before with this cap and they
    are at most WHOLE_REBUILD_SHARE of it; `incremental` does so whenever the table was built before."""
    con = store.con
    with store.transaction():
        whole = mode == "whole" or store.meta(COAUTHOR_BUILT) != str(cap)
        changed = recomputed = 0
        if not whole:
            changed, recomputed = _changes(store, cap)
            if mode == "auto" and recomputed > WHOLE_REBUILD_SHARE * _table_rows(store):
                whole = True
        if whole:
            con.execute("DELETE FROM coauthor_work")
            con.execute("INSERT INTO coauthor_work " + _WORK_STATE_SQL, {"cap": cap})
            con.execute("DELETE FROM coauthor_basis")
            con.execute("INSERT INTO coauthor_basis " + _BASIS_SQL)
            con.execute("DELETE FROM coauthor")
            parts = _partitions(store)
            con.execute(_PAIR_ROWS_SQL, {"parts": parts})
            _insert_pairs(store, parts)
            con.execute(_BIG_TEAM_SQL.format(who=""))
        else:
            _apply_changes(store, recomputed)
        con.execute("DELETE FROM pending_coauthor")
        store.set_meta(COAUTHOR_BUILT, str(cap))
        drop_temp(con, "_coauthor_state", "_coauthor_changed", "_coauthor_pairs", "_coauthor_big")
        pairs = int(store.scalar("SELECT count(*) FROM coauthor") or 0)
    return CoauthorBuild(
        pairs=pairs, whole=whole, changed_works=changed, recomputed=pairs if whole else recomputed
    )


def _partitions(store: StageStore) -> int:
    """How many partitions the whole build takes: as many as the (pair, work) rows its works make need to fit the
    stage's memory limit (coauthor_work is already this build's)."""
    rows = int(store.scalar("SELECT sum(n * (n - 1) // 2) FROM coauthor_work WHERE n IS NOT NULL") or 0)
    return store.parts_for(rows)


def _insert_pairs(store: StageStore, parts: int) -> None:
    """Insert the pairs of _coauthor_rows (pair, work rows sorted by partition) into coauthor, a partition at a
    time, then drop the temporary tables."""
    con = store.con
    for part in range(parts):
        con.execute(_PART_PAIRS_SQL, {"part": part})
        con.execute("INSERT INTO coauthor " + _ONE_WORK_PAIRS_SQL)
        con.execute("INSERT INTO coauthor " + _ALL_PAIRS_SQL, {"part": part})
    con.execute("DROP TABLE _coauthor_rows")
    con.execute("DROP TABLE IF EXISTS _coauthor_part")


def _table_rows(store: StageStore) -> int:
    return int(store.scalar("SELECT count(*) FROM coauthor") or 0)


def _changes(store: StageStore, cap: int) -> tuple[int, int]:
    """What changed since the last build, as temp tables: _coauthor_state (every work's state now),
    _coauthor_changed (works with an authorship or a state changed), _coauthor_pairs (the pairs to recompute),
    _coauthor_big (researchers whose big_team_works may change). Returns (changed works, pairs to recompute)."""
    con = store.con
    con.execute("CREATE OR REPLACE TEMP TABLE _coauthor_state AS " + _WORK_STATE_SQL, {"cap": cap})
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _coauthor_changed AS
        SELECT DISTINCT w FROM (
            (SELECT * FROM _coauthor_state EXCEPT SELECT * FROM coauthor_work)
            UNION ALL (SELECT * FROM coauthor_work EXCEPT SELECT * FROM _coauthor_state)
            UNION ALL SELECT work, NULL, NULL, NULL FROM pending_coauthor
        )
        """
    )
    # the authors of each changed work that makes pairs now, and of each that made pairs at the last build
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _coauthor_pairs AS
        WITH m AS (
            SELECT a.src AS r, a.dst AS w FROM authored a JOIN _coauthor_state s ON s.w = a.dst
            WHERE s.n IS NOT NULL AND a.dst IN (SELECT w FROM _coauthor_changed)
            UNION SELECT r, w FROM coauthor_basis WHERE w IN (SELECT w FROM _coauthor_changed)
        )
        SELECT DISTINCT m1.r AS x, m2.r AS y FROM m m1 JOIN m m2 ON m1.w = m2.w AND m1.r < m2.r
        """
    )
    # big_team_works: who gained or lost a work, and the authors of a work that went over the cap or back under
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _coauthor_big AS
        SELECT researcher AS id FROM pending_coauthor
        UNION SELECT src FROM authored WHERE dst IN (
            (SELECT w FROM _coauthor_state WHERE big EXCEPT SELECT w FROM coauthor_work WHERE big)
            UNION (SELECT w FROM coauthor_work WHERE big EXCEPT SELECT w FROM _coauthor_state WHERE big)
        )
        """
    )
    changed = int(store.scalar("SELECT count(*) FROM _coauthor_changed") or 0)
    return changed, int(store.scalar("SELECT count(*) FROM _coauthor_pairs") or 0)


def _apply_changes(store: StageStore, pairs: int) -> None:
    """The changed works' states and basis, then their `pairs` pairs (_coauthor_pairs) deleted and recomputed,
    then big_team_works."""
    con = store.con
    con.execute("DELETE FROM coauthor_work WHERE w IN (SELECT w FROM _coauthor_changed)")
    con.execute(
        "INSERT INTO coauthor_work SELECT * FROM _coauthor_state WHERE w IN (SELECT w FROM _coauthor_changed)"
    )
    con.execute("DELETE FROM coauthor_basis WHERE w IN (SELECT w FROM _coauthor_changed)")
    con.execute(
        f"INSERT INTO coauthor_basis SELECT * FROM ({_BASIS_SQL}) WHERE dst IN (SELECT w FROM _coauthor_changed)"
    )
    con.execute(
        "DELETE FROM coauthor USING _coauthor_pairs p WHERE coauthor.src = p.x AND coauthor.dst = p.y"
    )
    # a pair has a (pair, work) row for each work the two share: at least one, and its pairs are partitioned by
    # that lower bound (most pairs share one work: 3,311,594 of 3,376,037 rows at 200k synthetic works)
    parts = store.parts_for(pairs)
    for part in range(parts):
        into = "INSERT INTO _coauthor_rows" if part else "CREATE OR REPLACE TEMP TABLE _coauthor_rows AS"
        con.execute(_SOME_PAIR_ROWS_SQL.format(into=into), {"parts": parts, "part": part})
    _insert_pairs(store, parts)
    # rows resolution rebuilt have no count yet, whether or not their works changed
    con.execute(
        _BIG_TEAM_SQL.format(who="WHERE r.id IN (SELECT id FROM _coauthor_big) OR r.big_team_works IS NULL")
    )
