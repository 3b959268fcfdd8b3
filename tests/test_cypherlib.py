"""The analyst's Cypher library: the header validator, every query's exact result on the fixture graph, `kg cypher`,
and the Browser guide's HTML."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from html import escape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from neo4j import Driver

from api.routes import guide
from kg import cypherlib, graphdb
from kg.config import Settings
from kg.errors import NotFound, QueryError
from kg.graphdb import catalog
from tests import cypherlib_fixture as fx

LIBRARY = sorted(cypherlib.LIBRARY_DIR.rglob("*.cypher"))

GOOD = """// @title Close collaborators
// @answers Who wrote most with a researcher.
//   A continuation line.
// @group audit
// @param id "orcid:1" -- the researcher
// @param limit 5
// @returns id, n
MATCH (r:Researcher {id: $id})-[c:COAUTHOR]-(o)
WHERE c.shared_works > 0 AND size(o.aliases) >= 1 // a comment with 'quotes' and 99
RETURN o.id AS id, c.shared_works AS n, o.`odd name` AS odd, {set: 1} AS m, r.set AS s
ORDER BY n DESC LIMIT $limit
"""


def _q(text: str) -> cypherlib.Query:
    return cypherlib.parse(text, "t", Path("t.cypher"))


def _body(body: str, params: str = "") -> cypherlib.Query:
    return _q(f"// @title T\n// @answers A\n{params}// @returns R\n{body}\n")


# --------------------------------------------------------------------------------------------------------------
# The validator, on hand-written good and bad files


def test_a_good_file_parses_every_header_field() -> None:
    q = _q(GOOD)
    assert q.errors == ()
    assert q.title == "Close collaborators"
    assert q.answers == "Who wrote most with a researcher. A continuation line."
    assert q.group == "audit"
    assert q.returns == "id, n"
    assert q.params == (cypherlib.Param("id", "orcid:1", "the researcher"), cypherlib.Param("limit", 5, ""))
    assert q.body.startswith("MATCH (r:Researcher {id: $id})") and q.body.endswith("LIMIT $limit")


def test_a_file_without_header_is_rejected() -> None:
    q = _q("MATCH (n) RETURN n LIMIT $limit\n")
    assert "no header: the file must start with // @title, @answers, @param…, @returns lines" in q.errors
    assert "$limit is used but has no @param line" in q.errors


@pytest.mark.parametrize(
    ("header", "error"),
    [
        ("// @answers A\n// @returns R\n", "missing @title"),
        ("// @title T\n// @returns R\n", "missing @answers"),
        ("// @title T\n// @answers A\n", "missing @returns"),
        ("// @title T\n// @title U\n// @answers A\n// @returns R\n", "@title appears twice"),
        ("// @title\n// @answers A\n// @returns R\n", "@title is empty"),
        (
            "// Some prose first\n// @title T\n// @answers A\n// @returns R\n",
            "header text before the first @tag",
        ),
    ],
)
def test_a_header_missing_or_repeating_a_field_is_rejected(header: str, error: str) -> None:
    q = _q(header + "MATCH (n) RETURN n\n")
    assert any(e.startswith(error) for e in q.errors), q.errors


def test_unknown_tags_and_bad_param_lines_are_rejected() -> None:
    q = _q(
        "// @title T\n// @answers A\n// @returns R\n// @parm limit 5\n// @param name xue|rui\n"
        "// @param 9lives 1\n// @param n\n// @param k 1 trailing words\n"
        "MATCH (n) WHERE n.name = $name RETURN n LIMIT $limit\n"
    )
    assert q.errors[:5] == (
        "unknown header tag @parm (known: @title, @answers, @returns, @group, @param)",
        "@param name: example xue|rui is not a JSON literal (quote strings)",
        "@param '9lives' is not a parameter name",
        '@param n has no example value (a JSON literal, e.g. 25 or "xue|rui" or null)',
        "@param k: text after the example must start with -- (got 'trailing words')",
    )


def test_parameters_must_match_the_header_both_ways() -> None:
    q = _body("MATCH (n {id: $id}) RETURN n LIMIT $`limit`", "// @param id 1\n// @param unused 2\n")
    assert q.errors == (
        "$limit is used but has no @param line",
        "@param unused is declared but the query does not use $unused",
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            "MATCH (n) WHERE n.status = 'known' RETURN n",
            "line 1: string literal 'known' (make it a $parameter)",
        ),
        (
            'MATCH (n) WHERE n.status = "k\\"x" RETURN n',
            'line 1: string literal "k\\"x" (make it a $parameter)',
        ),
        ("MATCH (n) RETURN n\nLIMIT 25", "line 2: number literal 25"),
        ("MATCH (n) RETURN n SKIP 10", "line 1: number literal 10"),
        ("MATCH (n) WHERE n.score >= 0.5 RETURN n", "line 1: number literal 0.5"),
        ("MATCH (n) WHERE n.year > 2020 RETURN n", "line 1: number literal 2020"),
        ("MATCH p = (a)-[:COAUTHOR*..15]-(b) RETURN p", "line 1: number literal 15"),
        ("MATCH (n) RETURN round(n.x, 3)", "line 1: number literal 3"),
        ("MATCH (n) WHERE n.x = 1.0 RETURN n", "line 1: number literal 1.0"),
        ("MATCH (n) WHERE n.x = 0x1F RETURN n", "line 1: number literal 0x1F"),
        ("MATCH (n) WHERE n.x = -2 RETURN n", "line 1: number literal 2"),
        ("MATCH (n) WHERE n.x = 1e3 RETURN n", "line 1: number literal 1e3"),
        ("MATCH (n) WHERE n.name = 'open RETURN n", "line 1: unterminated string literal"),
    ],
)
def test_a_value_written_into_the_body_is_rejected(body: str, error: str) -> None:
    q = _body(body)
    assert any(e.startswith(error) for e in q.errors), q.errors


def test_zero_one_booleans_null_identifiers_and_comments_are_not_values() -> None:
    body = (
        "MATCH (t:Topic)-[:PART_OF*0..]->(:Topic)<-[:`HAS TOPIC`]-(w:Work)\n"
        "WHERE size(w.categories) > 1 AND w.authors_truncated = true AND w.doi IS NOT NULL // not 'this' 42\n"
        "/* nor 'this' 7 */ WITH w, [x IN range(0, size(w.categories) - 1) | x + 1] AS idx, {`k 2`: null} AS m\n"
        "RETURN w.id, idx[0], w.`2020`, m LIMIT $limit"
    )
    q = _body(body, "// @param limit 5\n")
    assert q.errors == ()


def test_writes_several_statements_and_browser_commands_are_rejected() -> None:
    q = _body(
        "MATCH (n:Work) SET n.seen = true RETURN n;\nMATCH (m) DETACH DELETE m;\n:param x => 1\nRETURN 1",
    )
    assert "line 1: SET writes (the library is read-only)" in q.errors
    assert "line 2: DETACH writes (the library is read-only)" in q.errors
    assert "line 2: DELETE writes (the library is read-only)" in q.errors
    assert "more than one statement (one query per file)" in q.errors
    assert _body("CREATE (:Work {id: $id})", "// @param id 1\n").errors == (
        "line 1: CREATE writes (the library is read-only)",
    )
    assert _body("UNWIND $xs AS x FOREACH (y IN x | MERGE (:T {id: y}))", "// @param xs 1\n").errors == (
        "line 1: FOREACH writes (the library is read-only)",
        "line 1: MERGE writes (the library is read-only)",
    )
    assert "Browser command in the body: :param x => 1 (the guide adds :params itself)" in q.errors
    # a property, a map key or a procedure namespace with a write keyword's name is not a write
    assert _body(
        "CALL apoc.create.uuids($n) YIELD uuid RETURN uuid, {merge: uuid}.merge", "// @param n 1\n"
    ).valid


def test_tokenizer_keeps_ranges_apart_from_floats() -> None:
    kinds = [(t.kind, t.text) for t in cypherlib.tokenize("[:R*1..3] $p .5 `a``b` 'it''s'")]
    assert kinds == [
        ("punct", "["),
        ("punct", ":"),
        ("ident", "R"),
        ("punct", "*"),
        ("number", "1"),
        ("punct", ".."),
        ("number", "3"),
        ("punct", "]"),
        ("param", "$p"),
        ("number", ".5"),
        ("backtick", "`a``b`"),
        ("string", "'it'"),
        ("string", "'s'"),
    ]


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_every_file_in_the_library_has_a_header_and_only_parameters(path: Path) -> None:
    """Runs over whatever is in cypher/queries, including files other engineers add."""
    name = path.relative_to(cypherlib.LIBRARY_DIR).with_suffix("").as_posix()
    q = cypherlib.parse(path.read_text(encoding="utf-8"), name, path)
    assert q.errors == (), f"cypher/queries/{name}.cypher: " + "; ".join(q.errors)
    assert q.title and q.answers and q.returns


def test_the_library_has_the_queries_the_issue_asks_for() -> None:
    names = {q.name for q in cypherlib.load_library()}
    assert {
        "researcher_neighbourhood",
        "collaboration_path",
        "top_collaborators",
        "topic_experts",
        "institutions_collaborating",
        "topics_rising",
        "topic_bridges",
        "suggested_collaborators",
        "suspected_homonyms",
        "duplicate_works",
        "identity_evidence",
        "truncated_author_lists",
        "researchers_without_affiliation",
        "orphan_nodes",
    } <= names


def test_cli_params_are_json_when_they_parse_and_text_otherwise() -> None:
    q = cypherlib.get("suspected_homonyms")
    assert cypherlib.parse_cli_params(q, ["name_key=xue|rui", "limit=3"]) == {
        "name_key": "xue|rui",
        "limit": 3,
    }
    assert cypherlib.parse_cli_params(q, ['name_key="25"'])["name_key"] == "25"
    with pytest.raises(
        QueryError, match=r"suspected_homonyms has no parameter 'lmit' \(its parameters: name_key"
    ):
        cypherlib.parse_cli_params(q, ["lmit=3"])
    with pytest.raises(QueryError, match="write it as key=value"):
        cypherlib.parse_cli_params(q, ["limit"])
    with pytest.raises(NotFound, match="no query 'nope' in cypher/queries"):
        cypherlib.get("nope")


def test_example_values_become_browser_params_that_keep_their_types() -> None:
    q = _body(
        "RETURN $a, $b, $c, $d, $e",
        '// @param a 25\n// @param b "x\\"y|z"\n// @param c null\n// @param d [1, 0.5, true]\n'
        '// @param e {"k": "v", "two words": 2}\n',
    )
    assert q.errors == ()
    assert cypherlib.browser_params(q) == [
        ":param a => 25",
        ':param b => "x\\"y|z"',
        ":param c => null",
        ":param d => [1, 0.5, true]",
        ':param e => {k: "v", `two words`: 2}',
    ]


# --------------------------------------------------------------------------------------------------------------
# Every query on the fixture graph, with its example parameters, asserted exactly

EXPECTED: dict[str, list[dict[str, Any]]] = {
    "researcher_neighbourhood": [
        {
            "id": fx.R1,
            "name": "Alice Chen",
            "works": [
                {"id": fx.W2, "title": "Sparse Topic Discovery", "year": 2022},
                {"id": fx.W1, "title": "Graph Attention for Topic Models", "year": 2021},
            ],
            "coauthors": [{"id": fx.R2, "name": "Bob Okafor", "shared_works": 2}],
            "institutions": [{"id": fx.NORTHBRIDGE, "name": "Northbridge University"}],
            "topics": [
                {"id": fx.T_MODELING, "name": "Topic Modeling", "works": 2},
                {"id": fx.CS_LG, "name": "Machine Learning", "works": 1},
            ],
        }
    ],
    "collaboration_path": [
        {
            "hop": 1,
            "from_id": fx.R1,
            "from_name": "Alice Chen",
            "to_id": fx.R2,
            "to_name": "Bob Okafor",
            "shared_works": 2,
            "works": [
                {"id": fx.W2, "title": "Sparse Topic Discovery", "year": 2022},
                {"id": fx.W1, "title": "Graph Attention for Topic Models", "year": 2021},
            ],
        },
        {
            "hop": 2,
            "from_id": fx.R2,
            "from_name": "Bob Okafor",
            "to_id": fx.R3,
            "to_name": "Carla Diaz",
            "shared_works": 1,
            "works": [{"id": fx.W3, "title": "Vision Transformers at Scale", "year": 2023}],
        },
        {
            "hop": 3,
            "from_id": fx.R3,
            "from_name": "Carla Diaz",
            "to_id": fx.R4,
            "to_name": "Rui Xue",
            "shared_works": 1,
            "works": [{"id": fx.W4, "title": "Multimodal Topic Segmentation", "year": 2023}],
        },
    ],
    # Bob's co-authors: Alice (2 shared works) and Carla (1); the default threshold of 2 keeps Alice only.
    "top_collaborators": [
        {
            "id": fx.R1,
            "name": "Alice Chen",
            "shared_works": 2,
            "weight": 2.0,
            "first_year": 2021,
            "last_year": 2022,
            "works": [fx.W1, fx.W2],
        },
    ],
    # Computer Science covers both subfields: Bob has W1, W2 (Topic Modeling) and W3 (Neural Networks).
    "topic_experts": [
        {
            "id": fx.R2,
            "name": "Bob Okafor",
            "works": 3,
            "via": ["Advanced Neural Network Applications", "Topic Modeling"],
        },
        {
            "id": fx.R3,
            "name": "Carla Diaz",
            "works": 2,
            "via": ["Advanced Neural Network Applications", "Topic Modeling"],
        },
        {"id": fx.R1, "name": "Alice Chen", "works": 2, "via": ["Topic Modeling"]},
    ],
    # Northbridge-Southgate: W1, W2 (Alice+Bob) and W3 (Carla+Bob); Eastlake-Southgate: W3 only. Carla's two
    # affiliations do not pair Northbridge with Eastlake.
    "institutions_collaborating": [
        {
            "institution_a": fx.NORTHBRIDGE,
            "name_a": "Northbridge University",
            "institution_b": fx.SOUTHGATE,
            "name_b": "Southgate Institute",
            "shared_works": 3,
            "researchers": 3,
        },
        {
            "institution_a": fx.EASTLAKE,
            "name_a": "Eastlake Lab",
            "institution_b": fx.SOUTHGATE,
            "name_b": "Southgate Institute",
            "shared_works": 1,
            "researchers": 2,
        },
    ],
    # 2021 -> 2023: Neural Networks 0 -> 2 (W3, W4); Topic Modeling 1 -> 2 (W1 | W4, W5; W6 of 2019 is outside);
    # Machine Learning 1 -> 0 falls and is left out.
    "topics_rising": [
        {
            "id": fx.T_NEURAL,
            "name": "Advanced Neural Network Applications",
            "level": "topic",
            "works_from": 0,
            "works_to": 2,
            "growth": 2,
            "by_year": [{"year": 2023, "works": 2}],
        },
        {
            "id": fx.T_MODELING,
            "name": "Topic Modeling",
            "level": "topic",
            "works_from": 1,
            "works_to": 2,
            "growth": 1,
            "by_year": [{"year": 2021, "works": 1}, {"year": 2022, "works": 1}, {"year": 2023, "works": 2}],
        },
    ],
    # AI side: Topic Modeling works; vision side: Neural Networks works. W4 carries both.
    "topic_bridges": [
        {"id": fx.R3, "name": "Carla Diaz", "works_a": 1, "works_b": 2, "works_both": 1},
        {"id": fx.R4, "name": "Rui Xue", "works_a": 1, "works_b": 1, "works_both": 1},
        {"id": fx.R2, "name": "Bob Okafor", "works_a": 2, "works_b": 1, "works_both": 0},
    ],
    "suggested_collaborators": [
        {
            "id": fx.R3,
            "name": "Carla Diaz",
            "score": 0.82,
            "reasons": '["shared topic: Topic Modeling", "co-author of your co-author Bob Okafor"]',
            "run": "discover-1",
        },
        {
            "id": fx.R5,
            "name": "Rui Xue",
            "score": 0.4,
            "reasons": '["shared topic: Topic Modeling"]',
            "run": "discover-1",
        },
    ],
    "suspected_homonyms": [
        {
            "name_key": "xue|rui",
            "nodes": 2,
            "researchers": [
                {
                    "id": fx.R4,
                    "name": "Rui Xue",
                    "works": 1,
                    "topics": ["Advanced Neural Network Applications", "Topic Modeling"],
                    "institutions": [],
                    "identity_method": "name",
                    "identity_confidence": 0.5,
                    "identity_evidence": ["name only on openalex:W4", "co-author Carla Diaz"],
                },
                {
                    "id": fx.R5,
                    "name": "Rui Xue",
                    "works": 1,
                    "topics": ["Topic Modeling"],
                    "institutions": [],
                    "identity_method": "name",
                    "identity_confidence": 0.4,
                    "identity_evidence": [f"name only on {fx.W5}"],
                },
            ],
        }
    ],
    # W2 (2022) and W5 (2023) share the title key; W6 (2019) shares it too but is years apart.
    "duplicate_works": [
        {
            "title_key": "sparse topic discovery",
            "a": {"id": fx.W2, "title": "Sparse Topic Discovery", "year": 2022, "sources": ["openalex"]},
            "b": {"id": fx.W5, "title": "Sparse topic discovery", "year": 2023, "sources": ["profile"]},
            "year_gap": 1,
        }
    ],
    "identity_evidence": [
        {
            "id": fx.R4,
            "name": "Rui Xue",
            "name_key": "xue|rui",
            "identity_method": "name",
            "identity_confidence": 0.5,
            "identity_evidence": ["name only on openalex:W4", "co-author Carla Diaz"],
            "authored": [
                {
                    "work": fx.W4,
                    "title": "Multimodal Topic Segmentation",
                    "position": 2,
                    "raw_name": "R. Xue",
                    "source": "openalex",
                    "confidence": 0.6,
                }
            ],
            "decisions": [
                {
                    "type": "NOT_SAME_AS",
                    "other": fx.R5,
                    "by": "curator",
                    "at": "2026-02-03T04:05:06Z",
                    "why": "different co-authors and fields",
                }
            ],
        }
    ],
    "truncated_author_lists": [
        {
            "id": fx.W3,
            "title": "Vision Transformers at Scale",
            "year": 2023,
            "author_count": 12,
            "authors_in_graph": 2,
            "missing": 10,
        }
    ],
    "researchers_without_affiliation": [
        {"id": fx.R4, "name": "Rui Xue", "affiliation_status": "unknown", "works": 1, "sources": ["arxiv"]},
        {
            "id": fx.R5,
            "name": "Rui Xue",
            "affiliation_status": "not_imported",
            "works": 1,
            "sources": ["profile"],
        },
        {"id": fx.R6, "name": "Eve Stray", "affiliation_status": None, "works": 0, "sources": ["profile"]},
    ],
    "orphan_nodes": [
        {
            "label": "Institution",
            "id": fx.ORPHAN_COLLEGE,
            "name": "Orphan College",
            "sources": ["profile"],
            "load_run": "run:fixture",
        },
        {
            "label": "Researcher",
            "id": fx.R6,
            "name": "Eve Stray",
            "sources": ["profile"],
            "load_run": "run:fixture",
        },
        {
            "label": "Work",
            "id": fx.W7,
            "name": "Lost Preprint",
            "sources": ["openalex"],
            "load_run": "run:fixture",
        },
    ],
    "graph_overview": [
        {
            "nodes": [
                {"label": "Institution", "count": 4},
                {"label": "LoadRun", "count": 1},
                {"label": "Researcher", "count": 6},
                {"label": "Topic", "count": 7},
                {"label": "Work", "count": 7},
            ],
            "relationships": [
                {"type": "AFFILIATED_WITH", "count": 4},
                {"type": "AUTHORED", "count": 9},
                {"type": "COAUTHOR", "count": 3},
                {"type": "HAS_TOPIC", "count": 8},
                {"type": "NOT_SAME_AS", "count": 1},
                {"type": "PART_OF", "count": 5},
            ],
        }
    ],
}

LIBRARY_NAMES = [q.name for q in cypherlib.load_library()]


@pytest.fixture
def fixture_graph(graph: Driver, neo4j_settings: Settings) -> Driver:
    fx.load_fixture(graph, neo4j_settings)
    return graph


def _run(drv: Driver, s: Settings, name: str, **params: Any) -> cypherlib.Result:
    return cypherlib.run(drv, cypherlib.get(name), params, settings=s, timeout=30)


@pytest.mark.neo4j
@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_every_query_returns_its_expected_rows_with_its_example_parameters(
    name: str, fixture_graph: Driver, neo4j_settings: Settings
) -> None:
    assert name in EXPECTED, (
        f"cypher/queries/{name}.cypher has no expected result: add its rows on tests/cypherlib_fixture.py "
        "to EXPECTED in tests/test_cypherlib.py"
    )
    result = _run(fixture_graph, neo4j_settings, name)
    expected = EXPECTED[name]
    assert result.columns == list(expected[0])
    assert cypherlib.to_jsonable(result.rows) == expected


@pytest.mark.neo4j
def test_top_collaborators_is_the_close_collaborators_definition(
    fixture_graph: Driver, neo4j_settings: Settings
) -> None:
    for rid in (fx.R1, fx.R2, fx.R3, fx.R4):
        for min_shared, top_k in ((1, 10), (2, 10), (1, 1)):
            params = {"id": rid, "min_shared": min_shared, "top_k": top_k}
            ours = _run(fixture_graph, neo4j_settings, "top_collaborators", **params).rows
            theirs = graphdb.run(
                fixture_graph, catalog.query("coauthors/close_collaborators"), params, settings=neo4j_settings
            )
            assert ours == theirs
    one = _run(fixture_graph, neo4j_settings, "top_collaborators", min_shared=1).rows
    assert [(r["id"], r["shared_works"], r["weight"]) for r in one] == [(fx.R1, 2, 2.0), (fx.R3, 1, 1.0)]
    assert cypherlib.get("top_collaborators").examples == {"id": fx.R2, "min_shared": 2, "top_k": 10}
    defaults = Settings.model_fields
    # the examples are the project's defaults
    assert (defaults["close_min_shared_works"].default, defaults["close_top_k"].default) == (2, 10)
    assert catalog.get("coauthors/close_collaborators")  # the definition the header points to exists


@pytest.mark.neo4j
def test_queries_follow_their_parameters(fixture_graph: Driver, neo4j_settings: Settings) -> None:
    s = neo4j_settings
    # a path longer than max_hops is no path
    assert _run(fixture_graph, s, "collaboration_path", max_hops=2).rows == []
    short = _run(fixture_graph, s, "collaboration_path", to=fx.R3, works_per_hop=1).rows
    assert [(r["from_id"], r["to_id"], [w["id"] for w in r["works"]]) for r in short] == [
        (fx.R1, fx.R2, [fx.W2]),
        (fx.R2, fx.R3, [fx.W3]),
    ]
    assert _run(fixture_graph, s, "collaboration_path", to=fx.R1).rows == []  # the same person: no path
    assert [r["id"] for r in _run(fixture_graph, s, "topic_experts", topic=fx.CV, min_works=1).rows] == [
        fx.R3,
        fx.R4,
        fx.R2,
    ]
    assert _run(fixture_graph, s, "topic_experts", min_works=3, limit=1).rows == [
        {
            "id": fx.R2,
            "name": "Bob Okafor",
            "works": 3,
            "via": ["Advanced Neural Network Applications", "Topic Modeling"],
        }
    ]
    assert _run(fixture_graph, s, "suspected_homonyms", name_key="chen|alice").rows == []
    only = _run(fixture_graph, s, "suspected_homonyms", name_key="xue|rui", topics_per_researcher=1).rows
    assert [r["topics"] for r in only[0]["researchers"]] == [
        ["Advanced Neural Network Applications"],
        ["Topic Modeling"],
    ]
    gap = _run(fixture_graph, s, "duplicate_works", max_year_gap=3).rows
    assert [(r["a"]["id"], r["b"]["id"], r["year_gap"]) for r in gap] == [
        (fx.W2, fx.W6, 3),  # ordered by b's id: "doi:…" before "title:…"
        (fx.W2, fx.W5, 1),
    ]
    assert [r["id"] for r in _run(fixture_graph, s, "topics_rising", from_year=2022).rows] == [
        fx.T_NEURAL,
        fx.T_MODELING,
    ]
    assert _run(fixture_graph, s, "orphan_nodes", limit=1).rows[0]["id"] == fx.ORPHAN_COLLEGE


@pytest.mark.neo4j
def test_a_query_runs_in_a_read_transaction_so_the_server_refuses_writes(
    graph: Driver, neo4j_settings: Settings
) -> None:
    with pytest.raises(QueryError, match=r"(?i)write"):
        cypherlib.run_read(
            graph, "CREATE (:Work {id: $id}) RETURN 1 AS one", {"id": "w:x"}, settings=neo4j_settings
        )
    assert graphdb.run(graph, "MATCH (n) RETURN count(n) AS n", settings=neo4j_settings) == [{"n": 0}]
    # and an invalid library file is not run at all
    bad = _body("CREATE (:Work {id: $id})", "// @param id 1\n")
    with pytest.raises(
        cypherlib.QueryFileError, match="t is not a valid library query: line 1: CREATE writes"
    ):
        cypherlib.run(graph, bad, settings=neo4j_settings)


# --------------------------------------------------------------------------------------------------------------
# kg cypher, as a user runs it


def _kg(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_kg_cypher_list_and_show(tmp_path: Path) -> None:
    env = {**_plain_env(), "COLUMNS": "200"}
    listed = _kg(["cypher", "list", "--format", "json"], env)
    assert listed.returncode == 0, listed.stderr
    entries = json.loads(listed.stdout)
    assert [e["name"] for e in entries] == LIBRARY_NAMES
    homonyms = next(e for e in entries if e["name"] == "suspected_homonyms")
    assert homonyms["title"] == "Suspected homonyms" and homonyms["group"] == "audit"
    assert homonyms["params"] == {"name_key": None, "topics_per_researcher": 3, "limit": 25}
    assert homonyms["errors"] == []

    table = _kg(["cypher", "list"], env)
    assert table.returncode == 0
    assert "suspected_homonyms" in table.stdout and "Suspected homonyms" in table.stdout
    assert f"{len(LIBRARY_NAMES)} queries (0 invalid)" in table.stdout

    top = _kg(["cypher", "--help"], env)
    assert top.returncode == 0 and all(sub in top.stdout for sub in ("list", "show", "check", "run"))
    helped = _kg(["cypher", "run", "--help"], env)
    assert helped.returncode == 0 and "--param" in helped.stdout and "--library" in helped.stdout

    rows = list(csv.reader(io.StringIO(_kg(["cypher", "list", "-f", "csv"], env).stdout)))
    assert rows[0] == ["name", "group", "title", "params", "errors"]
    assert ["top_collaborators", "explore", "Top collaborators", "id min_shared top_k", ""] in rows
    assert len(rows) == len(LIBRARY_NAMES) + 1

    shown = _kg(["cypher", "show", "top_collaborators"], env)
    assert shown.returncode == 0
    assert shown.stdout == (cypherlib.LIBRARY_DIR / "top_collaborators.cypher").read_text(encoding="utf-8")
    pasted = _kg(["cypher", "show", "top_collaborators", "--browser"], env)
    assert pasted.stdout.splitlines()[:4] == [
        ':param id => "openalex:A2";',
        ":param min_shared => 2;",
        ":param top_k => 10;",
        "MATCH (r:Researcher {id: $id})-[c:COAUTHOR]-(o:Researcher)",
    ]
    assert pasted.stdout.endswith("LIMIT $top_k;\n")


def test_kg_cypher_list_prints_every_name_whole_in_80_columns() -> None:
    """The name is what `kg cypher run` takes; at 80 columns it was folded ("institutions_collaborat" / "ing")."""
    table = _kg(["cypher", "list"], {**_plain_env(), "COLUMNS": "80"})
    assert table.returncode == 0, table.stderr
    firsts = [line.split()[0] for line in table.stdout.splitlines()[1:] if line and not line.startswith(" ")]
    assert firsts[: len(LIBRARY_NAMES)] == LIBRARY_NAMES


def test_kg_cypher_check_flags_a_bad_library(tmp_path: Path) -> None:
    (tmp_path / "ok.cypher").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.cypher").write_text("MATCH (n) RETURN n LIMIT 10\n", encoding="utf-8")
    out = _kg(["cypher", "check", "--library", str(tmp_path)], _plain_env())
    assert out.returncode == 1
    assert f"{tmp_path / 'bad.cypher'}: line 1: number literal 10" in out.stdout
    assert "2 queries checked, 1 invalid" in out.stdout
    assert _kg(["cypher", "check"], _plain_env()).returncode == 0


@pytest.mark.neo4j
def test_kg_cypher_run_in_json_csv_and_table(fixture_graph: Driver, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "COLUMNS": "250"}
    out = _kg(
        ["cypher", "run", "top_collaborators", "--param", f"id={fx.R2}", "--param", "min_shared=2"], env
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "shared_works", "weight", "first_year", "last_year", "works"]
    assert lines[1].split() == [
        fx.R1,
        "Alice",
        "Chen",
        "2",
        "2.0",
        "2021",
        "2022",
        f'["{fx.W1}",',
        f'"{fx.W2}"]',
    ]
    assert lines[-1] == "(1 row)"

    js = _kg(["cypher", "run", "suspected_homonyms", "-p", "name_key=xue|rui", "--format", "json"], env)
    assert js.returncode == 0, js.stderr
    assert json.loads(js.stdout) == EXPECTED["suspected_homonyms"]

    ident = _kg(
        ["cypher", "run", "identity_evidence", "-f", "json"], env
    )  # temporal values come out as ISO text
    assert json.loads(ident.stdout) == EXPECTED["identity_evidence"]

    c = _kg(["cypher", "run", "suggested_collaborators", "--param", f"id={fx.R1}", "--format", "csv"], env)
    assert c.returncode == 0, c.stderr
    assert list(csv.reader(io.StringIO(c.stdout))) == [
        ["id", "name", "score", "reasons", "run"],
        [fx.R3, "Carla Diaz", "0.82", EXPECTED["suggested_collaborators"][0]["reasons"], "discover-1"],
        [fx.R5, "Rui Xue", "0.4", '["shared topic: Topic Modeling"]', "discover-1"],
    ]
    empty = _kg(["cypher", "run", "collaboration_path", "-p", "max_hops=1", "-f", "csv"], env)
    assert empty.stdout == "hop,from_id,from_name,to_id,to_name,shared_works,works\n"


@pytest.mark.neo4j
def test_kg_cypher_run_says_which_example_values_it_runs_with(
    fixture_graph: Driver, cli_env: dict[str, str]
) -> None:
    """`kg cypher run top_collaborators` printed "(0 rows)" for the header's example id without saying it ran one."""
    env = {**cli_env, "COLUMNS": "250"}
    bare = _kg(["cypher", "run", "top_collaborators"], env)
    assert bare.returncode == 0, bare.stderr
    assert bare.stderr.splitlines() == [
        'note: top_collaborators runs with the example values of the parameters not given: id="openalex:A2", '
        "min_shared=2, top_k=10 (--param NAME=VALUE sets one)"
    ]
    some = _kg(["cypher", "run", "top_collaborators", "-p", f"id={fx.R2}", "-p", "top_k=5"], env)
    assert some.stderr.splitlines() == [
        "note: top_collaborators runs with the example values of the parameters not given: min_shared=2 "
        "(--param NAME=VALUE sets one)"
    ]
    # what the note names is what ran: the same rows as those values given
    given = ["-p", f"id={fx.R2}", "-p", "min_shared=2", "-p", "top_k=10"]
    every = _kg(["cypher", "run", "top_collaborators", *given], env)
    assert (every.returncode, every.stderr) == (0, "")
    assert every.stdout == bare.stdout and bare.stdout.splitlines()[-1] == "(1 row)"


@pytest.mark.neo4j
def test_kg_cypher_run_errors_are_one_line(
    fixture_graph: Driver, cli_env: dict[str, str], tmp_path: Path
) -> None:
    unknown = _kg(["cypher", "run", "no_such_query"], cli_env)
    assert unknown.returncode == 1
    assert (
        unknown.stderr
        == "error: no query 'no_such_query' in cypher/queries (`kg cypher list` shows the library)\n"
    )
    assert unknown.stdout == ""

    bad_param = _kg(["cypher", "run", "orphan_nodes", "--param", "limt=3"], cli_env)
    assert bad_param.returncode == 1
    assert bad_param.stderr == "error: orphan_nodes has no parameter 'limt' (its parameters: limit)\n"

    (tmp_path / "wipe.cypher").write_text(
        "// @title Wipe\n// @answers Nothing good.\n// @returns nothing\nMATCH (n) DETACH DELETE n\n",
        encoding="utf-8",
    )
    refused = _kg(["cypher", "run", "wipe", "--library", str(tmp_path)], cli_env)
    assert refused.returncode == 1
    assert refused.stderr == (
        "error: wipe is not a valid library query: line 1: DETACH writes (the library is read-only)\n"
    )
    assert "Traceback" not in unknown.stderr + bad_param.stderr + refused.stderr
    # nothing was deleted
    rows = graphdb.run(fixture_graph, "MATCH (n) RETURN count(n) AS n")
    assert rows == [{"n": 25}]


def _plain_env() -> dict[str, str]:
    import os

    # list/show/check never touch the database: point it at a closed port to prove it
    return {**os.environ, "KG_NEO4J_URI": "bolt://127.0.0.1:9"}


# --------------------------------------------------------------------------------------------------------------
# The guide, as served


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(guide.router)
    return TestClient(app)


def test_the_guide_lists_every_query_with_a_one_click_block(client: TestClient) -> None:
    resp = client.get("/guide")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.headers["access-control-allow-origin"] == "*"
    html = resp.text
    assert "<title>Research KG: the analyst's library</title>" in html
    assert html.count("<slide ") == len(LIBRARY_NAMES) + 2  # the introduction, the model, one per query
    for q in cypherlib.load_library():
        for block in (guide.param_block(q), guide.query_block(q)):
            if block:
                assert f'<pre mode="cypher" class="pre-scrollable code runnable">{_esc(block)}</pre>' in html
        assert f"<code>{q.name}</code>" in html  # in the introduction's list
        assert f"<h3>{escape(q.title)}</h3>" in html
    assert guide.param_block(cypherlib.get("orphan_nodes")) == ":param limit => 100;"
    assert guide.param_block(cypherlib.get("top_collaborators")) == (
        ':param id => "openalex:A2";\n:param min_shared => 2;\n:param top_k => 10;'
    )
    assert guide.param_block(cypherlib.get("graph_overview")) == ""
    assert (
        html.count('class="pre-scrollable code runnable"') == 2 * len(LIBRARY_NAMES) - 1 + 1
    )  # + the model's
    # the graph model
    for needle in ("(Researcher)-[:COAUTHOR]-&gt;(Researcher)", "<b>Institution</b>", "affiliation_status"):
        assert needle in html
    assert client.get("/guide/queries.html").text == html


def test_the_guide_answers_the_browsers_preflight(client: TestClient) -> None:
    resp = client.options(
        "/guide",
        headers={
            "Origin": "http://127.0.0.1:7474",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "pragma,cache-control,sentry-trace",
        },
    )
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-origin"] == "*"
    assert resp.headers["access-control-allow-headers"] == "*"


def test_the_guide_leaves_out_invalid_files_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "ok.cypher").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.cypher").write_text("MATCH (n) RETURN n\n", encoding="utf-8")
    html = guide.render_guide(tmp_path)
    assert html.count("<slide ") == 3
    assert "<h3>Close collaborators</h3>" in html
    assert "Not shown (invalid file, see <code>kg cypher check</code>): broken" in html


def _esc(text: str) -> str:
    return escape(text, quote=False)
