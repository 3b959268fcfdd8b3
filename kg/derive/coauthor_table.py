"""COAUTHOR from the resolved authorships, in SQL over the stage (never from graph reads), whole or for what changed.

The same definition as cypher/coauthors/write_pairs.cypher: a work makes pairs only if its author count (the larger
of its authorships and the count its sources state) is at most the cap; shared_works counts the works of a pair,
weight = Σ 1/(n−1) over them (n = the work's authorships), years are the first and last, works are up to five
ids, most recent first (no year last), then by id. The weight is summed in that order and rounded, so every engine
and every run gives the same number.

A pair's row depends only on the works both its researchers authored and on each such work's state (its count of
distinct researchers n, its year, whether it is under the cap), so it can change only if (a) one of its two researchers gained or lost a work, or (b) the state of one of their
shared works changed. For (a), once the stage has a table, resolution records in `pending_coauthor` every researcher
whose (researcher, work) pairs differ after a block group is re-clustered (kg.resolve.researchers.replace_groups;
every authorship change goes through there: a work re-resolved in any way has its old and new authors' blocks
re-clustered, kg.resolve.works.replace_works). (a) alone is not enough: two slots of one work that join one
researcher, or part, change n and so the weight of every pair on that work. For (b), `coauthor_work` keeps each
work's state as of the last build, and a build compares it with the current one (a group-by over the authorships,
far cheaper than the pairs). Once the table has been built whole, a build deletes and recomputes only the pairs with
an endpoint among the touched researchers: those recorded, and every author of a work whose state changed. A
researcher row resolution rebuilt has no big_team_works yet: those rows are counted too.

Everything happens in one transaction that also clears `pending_coauthor`: a load killed before or during the build
leaves the set recorded, and the next build recomputes it (tests/test_coauthor_table.py checks incremental == whole
over random sequences of loads, and a build killed with SIGKILL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kg.resolve.tables import COAUTHOR_BUILT
from kg.stage.store import StageStore

# Above this share of all researchers touched, rebuilding everything is as quick as recomputing the touched pairs
# (bench/coauthor_incremental.py, BENCHMARKS.md).
WHOLE_REBUILD_SHARE = 0.3

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

# One row per co-author pair; {scope} narrows the authorships read, {pairs} the pairs kept (both empty: all).
_PAIRS_SQL = """
WITH a AS (SELECT DISTINCT src AS r, dst AS w FROM authored {scope}),
ok AS (SELECT w, n, year FROM coauthor_work WHERE n IS NOT NULL)
SELECT a1.r, a2.r, count(*),
       round(list_sum(list(1.0 / (ok.n - 1) ORDER BY coalesce(ok.year, -1000000) DESC, ok.w)), 9),
       min(ok.year), max(ok.year),
       list_slice(list(ok.w ORDER BY coalesce(ok.year, -1000000) DESC, ok.w), 1, 5)
FROM ok JOIN a a1 ON a1.w = ok.w JOIN a a2 ON a2.w = ok.w AND a1.r < a2.r
{pairs}
GROUP BY a1.r, a2.r
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

_TOUCHED = "(SELECT id FROM _coauthor_touched)"


@dataclass
class CoauthorBuild:
    pairs: int  # rows in the table after the build
    whole: bool  # built whole (else only the touched researchers' pairs)
    touched: int  # researchers recorded as touched since the last build
    researchers: int


def build_coauthor_table(store: StageStore, cap: int, mode: Mode = "auto") -> CoauthorBuild:
    """Make the coauthor table (and researchers' big_team_works) what the resolved authorships give. `auto`
    recomputes only the touched researchers' pairs when the table was built before with this cap and they are
    at most WHOLE_REBUILD_SHARE of all researchers; `incremental` does so whenever the table was built before."""
    con = store.con
    with store.transaction():
        researchers = int(store.scalar("SELECT count(*) FROM researcher") or 0)
        built = store.meta(COAUTHOR_BUILT) == str(cap)
        touched = 0
        whole = mode == "whole" or not built
        if not whole:
            touched = _touched(store, cap)
            whole = mode == "auto" and touched > WHOLE_REBUILD_SHARE * max(researchers, 1)
        if whole:
            con.execute("DELETE FROM coauthor_work")
            con.execute("INSERT INTO coauthor_work " + _WORK_STATE_SQL, {"cap": cap})
            con.execute("DELETE FROM coauthor")
            con.execute("INSERT INTO coauthor " + _PAIRS_SQL.format(scope="", pairs=""))
            con.execute(_BIG_TEAM_SQL.format(who=""))
        else:
            con.execute("DELETE FROM coauthor_work WHERE w IN (SELECT w FROM _coauthor_changed)")
            con.execute(
                "INSERT INTO coauthor_work SELECT * FROM _coauthor_state WHERE w IN (SELECT w FROM _coauthor_changed)"
            )
            if touched:
                con.execute(f"DELETE FROM coauthor WHERE src IN {_TOUCHED} OR dst IN {_TOUCHED}")
                # every authorship on a touched researcher's works: the pairs with a touched end are made of these
                scope = f"WHERE dst IN (SELECT dst FROM authored WHERE src IN {_TOUCHED})"
                pairs = f"WHERE a1.r IN {_TOUCHED} OR a2.r IN {_TOUCHED}"
                con.execute("INSERT INTO coauthor " + _PAIRS_SQL.format(scope=scope, pairs=pairs))
            # rows resolution rebuilt have no count yet, whether or not their works changed
            con.execute(_BIG_TEAM_SQL.format(who=f"WHERE r.id IN {_TOUCHED} OR r.big_team_works IS NULL"))
        con.execute("DELETE FROM pending_coauthor")
        store.set_meta(COAUTHOR_BUILT, str(cap))
        for t in ("_coauthor_state", "_coauthor_changed", "_coauthor_touched"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        pairs_n = int(store.scalar("SELECT count(*) FROM coauthor") or 0)
    return CoauthorBuild(pairs=pairs_n, whole=whole, touched=touched, researchers=researchers)


def _touched(store: StageStore, cap: int) -> int:
    """The researchers whose pairs must be recomputed (temp table _coauthor_touched): those resolution recorded and
    the authors of every work whose state changed since the last build (_coauthor_changed, the current states in
    _coauthor_state)."""
    con = store.con
    con.execute("CREATE OR REPLACE TEMP TABLE _coauthor_state AS " + _WORK_STATE_SQL, {"cap": cap})
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _coauthor_changed AS
        SELECT DISTINCT w FROM (
            (SELECT * FROM _coauthor_state EXCEPT SELECT * FROM coauthor_work)
            UNION ALL (SELECT * FROM coauthor_work EXCEPT SELECT * FROM _coauthor_state)
        )
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _coauthor_touched AS
        SELECT id FROM pending_coauthor
        UNION SELECT src FROM authored WHERE dst IN (SELECT w FROM _coauthor_changed)
        """
    )
    return int(store.scalar("SELECT count(*) FROM _coauthor_touched") or 0)
