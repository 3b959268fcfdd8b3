"""COAUTHOR from the resolved authorships, in SQL over the stage (never from graph reads).

The same definition as cypher/coauthors/write_pairs.cypher: a work makes pairs only if its author count (the larger
of its authorships and the count its sources state) is at most the cap; shared_works counts the works of a pair,
weight = Σ 1/(n−1) over them (n = the work's authorships), years are the first and last, works are up to five
ids, most recent first (no year last), then by id. The weight is summed in that order and rounded, so every engine
and every run gives the same number."""

from __future__ import annotations

from kg.stage.store import StageStore


def build_coauthor_table(store: StageStore, cap: int) -> int:
    con = store.con
    with store.transaction():
        con.execute("DELETE FROM coauthor")
        con.execute(
            """
            INSERT INTO coauthor
            WITH a AS (SELECT DISTINCT src AS r, dst AS w FROM authored),
            n AS (SELECT w, count(*) AS n FROM a GROUP BY w),
            ok AS (
                SELECT n.w, n.n, wk.year FROM n JOIN work wk ON wk.id = n.w
                WHERE n.n >= 2 AND greatest(coalesce(wk.author_count, 0), n.n) <= $cap
            )
            SELECT a1.r, a2.r, count(*),
                   round(list_sum(list(1.0 / (ok.n - 1) ORDER BY coalesce(ok.year, -1000000) DESC, ok.w)), 9),
                   min(ok.year), max(ok.year),
                   list_slice(list(ok.w ORDER BY coalesce(ok.year, -1000000) DESC, ok.w), 1, 5)
            FROM ok JOIN a a1 ON a1.w = ok.w JOIN a a2 ON a2.w = ok.w AND a1.r < a2.r
            GROUP BY a1.r, a2.r
            """,
            {"cap": cap},
        )
        return int(store.scalar("SELECT count(*) FROM coauthor") or 0)
