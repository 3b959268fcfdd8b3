"""INSTITUTION rows: the bounded aggregates (distinct sources, first_refs_agg) give what the lists of every source
row gave, and first_refs_agg orders refs as kg.identity.first_refs does."""

from __future__ import annotations

import duckdb

from kg.identity import first_refs
from kg.resolve.graph import INSTITUTION_SQL
from kg.resolve.tables import create_resolved_tables

# the statement before: lists of every source row, then sorted and cut
_LISTS_OF_EVERY_ROW = """
SELECT id,
       arg_max(name, (entity, rank, name)) FILTER (WHERE name IS NOT NULL),
       arg_max(ror, (entity, rank, ror)) FILTER (WHERE ror IS NOT NULL),
       arg_max(openalex_id, (entity, rank, openalex_id)) FILTER (WHERE openalex_id IS NOT NULL),
       arg_max(country_code, (entity, rank, country_code)) FILTER (WHERE country_code IS NOT NULL),
       arg_max(type, (entity, rank, type)) FILTER (WHERE type IS NOT NULL),
       list_sort(list_distinct(list(source))), first_refs(list(record_ref))
FROM institution_src GROUP BY id
"""

# (id, name, source, rank, record_ref, entity)
_ROWS = [
    # more than five refs, one of them twice, one record on two lines, lines that sort otherwise as text
    *[
        ("i1", "Uni One", "csv", 1, f"csv:works.csv:{line}#W{rec}", False)
        for line, rec in [(9, 5), (10, 4), (100, 3), (2, 2), (30, 1), (31, 1), (7, 6), (7, 6)]
    ],
    ("i1", "University One", "openalex", 3, "openalex:inst.jsonl:1#I1", True),
    ("i1", None, None, 2, None, False),  # no name, no source, no ref
    # only NULL refs and sources
    ("i2", "Two", None, 1, None, False),
    ("i2", None, None, 1, None, False),
    # refs with no line, with a line and no record, with two lines
    ("i3", "Three", "orcid", 1, "orcid:0000-0001", False),
    ("i3", "Three", "crossref", 2, "crossref:f.jsonl:12", False),
    ("i3", "Three", "csv", 1, "csv:a:1#x:2#y", False),
    ("i3", "Three", "csv", 1, "csv:a:3#x:1#y", False),
]


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_resolved_tables(con)
    con.executemany(
        "INSERT INTO institution_src (id, name, source, rank, record_ref, entity) VALUES (?, ?, ?, ?, ?, ?)",
        _ROWS,
    )
    return con


def test_institution_rows_equal_the_lists_of_every_row() -> None:
    con = _con()
    con.execute(INSTITUTION_SQL.format(rows="institution_src"))
    got = sorted(con.execute("SELECT * FROM institution").fetchall(), key=repr)
    want = sorted(con.execute(_LISTS_OF_EVERY_ROW).fetchall(), key=repr)
    assert got == want
    by_id = {r[0]: r for r in got}
    assert by_id["i1"][1] == "University One"  # the entity record's name first
    assert by_id["i1"][6] == ["csv", "openalex"] and by_id["i2"][6] == [] and by_id["i2"][7] == []
    assert len(by_id["i1"][7]) == 5


def test_first_refs_agg_orders_as_the_python_first_refs() -> None:
    # i3's refs have two "line#" parts: every one is dropped for the order, in SQL as in Python
    con = _con()
    for iid in ("i1", "i3"):
        refs = [r[4] for r in _ROWS if r[0] == iid and r[4] is not None]
        got = con.execute("SELECT first_refs_agg(record_ref), first_refs(list(record_ref)) FROM institution_src "
                          "WHERE id = ?", [iid]).fetchone()  # fmt: skip
        assert got is not None and got[0] == got[1] == first_refs(refs), iid
