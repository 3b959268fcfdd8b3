"""AUTHORED rows: one per (researcher, work), the slot of the lowest position (then key), whether a researcher holds
one slot of a work (taken as it is) or several (the window picks one)."""

from __future__ import annotations

import duckdb

from kg.resolve.graph import _AUTHORED_SQL
from kg.resolve.tables import create_resolved_tables

# what the statement did before it left the single-slot pairs out of the window: the window over every row
_WINDOW_OVER_ALL = """
SELECT cs.researcher, s.work_id, s.position, s.name, s.names, s.source, s.sources, cs.confidence,
       s.institutions, s.block, w.record_refs
FROM cluster_slot cs JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id
JOIN work w ON w.id = s.work_id
QUALIFY row_number() OVER (PARTITION BY cs.researcher, s.work_id ORDER BY s.position NULLS LAST, s.key) = 1
"""


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_resolved_tables(con)
    con.execute("INSERT INTO work (id, record_refs) VALUES ('w1', ['r1']), ('w2', ['r2']), ('w3', NULL)")
    slots = [  # key, work, position, name
        ("w1#a", "w1", 0, "Ann Lee"),
        ("w1#b", "w1", 1, "Bo Chen"),
        ("w1#a2", "w1", 2, "A. Lee"),  # Ann again, later in the list
        ("w2#a", "w2", None, "Ann Lee"),  # no position: after any position
        ("w2#a2", "w2", 3, "A. Lee"),
        ("w2#c", "w2", 0, "Cy Ng"),
        ("w3#x", "w3", None, "X"),
        ("w3#y", "w3", None, "Y"),  # both without position: by key
    ]
    con.executemany(
        "INSERT INTO slot (key, work_id, block, name, position, names, source, sources, institutions) "
        "VALUES (?, ?, 'b', ?, ?, [?], 'src', ['src'], [])",
        [(k, w, n, p, n) for k, w, p, n in slots],
    )
    con.executemany(
        "INSERT INTO cluster_slot (slot_key, work_id, cluster, researcher, confidence) VALUES (?, ?, ?, ?, ?)",
        [
            ("w1#a", "w1", "c1", "ann", 0.9),
            ("w1#b", "w1", "c2", "bo", 1.0),
            ("w1#a2", "w1", "c1", "ann", 0.8),
            ("w2#a", "w2", "c1", "ann", 0.7),
            ("w2#a2", "w2", "c1", "ann", 0.6),
            ("w2#c", "w2", "c3", "cy", 1.0),
            (
                "w3#x",
                "w3",
                "c4",
                None,
                1.0,
            ),  # (no researcher: never made, but the pick must not depend on it)
            ("w3#y", "w3", "c5", None, 1.0),
        ],
    )
    return con


def test_one_authored_row_per_researcher_and_work_as_the_window_over_every_row_picks() -> None:
    con = _con()
    con.execute(_AUTHORED_SQL.format(cs="SELECT * FROM cluster_slot"))
    got = sorted(con.execute("SELECT * FROM authored").fetchall(), key=repr)
    want = sorted(con.execute(_WINDOW_OVER_ALL).fetchall(), key=repr)
    assert got == want
    picked = {(r[0], r[1]): (r[2], r[3]) for r in got}
    assert picked[("ann", "w1")] == (0, "Ann Lee")  # the first position of Ann's two slots
    assert picked[("ann", "w2")] == (3, "A. Lee")  # a position before none
    assert picked[(None, "w3")] == (None, "X")  # by key when neither has a position
    assert picked[("bo", "w1")] == (1, "Bo Chen") and picked[("cy", "w2")] == (0, "Cy Ng")
    assert len(got) == 5


def test_the_rows_of_some_works_are_those_the_whole_statement_gives_them() -> None:
    """The incremental build (kg.resolve.graph) runs the statement over the cluster_slot rows of the touched works."""
    con = _con()
    con.execute(_AUTHORED_SQL.format(cs="SELECT * FROM cluster_slot"))
    whole = sorted(con.execute("SELECT * FROM authored WHERE dst IN ('w1', 'w3')").fetchall(), key=repr)
    con.execute("DELETE FROM authored")
    con.execute(_AUTHORED_SQL.format(cs="SELECT * FROM cluster_slot WHERE work_id IN ('w1', 'w3')"))
    assert sorted(con.execute("SELECT * FROM authored").fetchall(), key=repr) == whole and len(whole) == 3
