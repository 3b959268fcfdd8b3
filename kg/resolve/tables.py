"""The resolved tables: the graph as resolution computes it (one row per node and relationship), kept in the stage.

These are the contract between the resolve stage (which fills them, on DuckDB or on Spark), the derive stage (which
adds COAUTHOR) and the write stage (which makes Neo4j equal to them). Column names are the graph's property names.
`written` remembers, per row, the hash of what the graph holds, so a write sends only what changed.
"""

from __future__ import annotations

import duckdb

# Properties a researcher record (a profile page, an author entity) gives, won by the best-ranked source
# (kg.resolve.rows picks the winner).
RESEARCHER_RECORD_FIELDS = (
    "headline",
    "affiliation",
    "affiliation_status",
    "trust_score",
    "trust_label",
    "verification_level",
    "claimed",
    "open_to_collaborate",
    "followers",
    "reported_works",
    "reported_topics",
    "reported_close_collaborators",
)

# label or relationship type → (table, key columns, property columns). The write stage reads this; nothing else
# names a label or a type.
NODE_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Work": (
        "work",
        (
            "title",
            "title_key",
            "abstract",
            "type",
            "venue",
            "language",
            "organisation",
            "score",
            "year",
            "date",
            "ids",
            "doi",
            "arxiv_id",
            "openalex_id",
            "sources",
            "record_refs",
            "categories",
            "references",
            "upvotes",
            "author_count",
            "authors_truncated",
            "has_code",
            "cited_by_count",
            "pdf_url",
        ),
    ),
    "Researcher": (
        "researcher",
        (
            "name",
            "name_key",
            "block_key",
            "aliases",
            "orcid",
            "openalex_id",
            "profile_key",
            *RESEARCHER_RECORD_FIELDS,
            "identity_method",
            "identity_confidence",
            "identity_evidence",
            "sources",
            "mention_count",
            "record_refs",
            "big_team_works",
        ),
    ),
    "Institution": (
        "institution",
        ("name", "ror", "openalex_id", "country_code", "type", "sources", "record_refs"),
    ),
    "Topic": ("topic", ("name", "scheme", "level", "keywords", "sources", "record_refs")),
}

# type → (table, start label, end label, property columns); rows are keyed by (src, dst)
REL_TABLES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "AUTHORED": (
        "authored",
        "Researcher",
        "Work",
        (
            "position",
            "raw_name",
            "names",
            "source",
            "sources",
            "confidence",
            "institutions",
            "block_key",
            "record_refs",
        ),
    ),
    "HAS_TOPIC": ("has_topic", "Work", "Topic", ("score", "method", "evidence", "source", "record_refs")),
    "PART_OF": ("part_of", "Topic", "Topic", ("source", "record_refs")),
    "AFFILIATED_WITH": (
        "affiliated",
        "Researcher",
        "Institution",
        ("years", "source", "raw_affiliation", "record_refs"),
    ),
    "CITES": ("cites", "Work", "Work", ("source", "record_refs")),
    "SAME_AS": ("same_as", "Researcher", "Researcher", ("decision", "by", "at", "why", "claim")),
    "NOT_SAME_AS": ("not_same_as", "Researcher", "Researcher", ("decision", "by", "at", "why", "claim")),
    "COAUTHOR": (
        "coauthor",
        "Researcher",
        "Researcher",
        ("shared_works", "weight", "first_year", "last_year", "works"),
    ),
}

# A relationship between two nodes is one row, except AFFILIATED_WITH, one row per source saying so.
REL_EXTRA_KEY: dict[str, str] = {"AFFILIATED_WITH": "source"}

# meta key: the author cap the stage's COAUTHOR table was last built with (absent: never built)
COAUTHOR_BUILT = "coauthor_cap"
# meta key: present once the stage's graph tables (kg.resolve.graph) were built (absent: the next build is whole)
GRAPH_BUILT = "graph_tables_built"

_DDL = """
CREATE TABLE IF NOT EXISTS work_member (wrec VARCHAR, work_id VARCHAR);
CREATE TABLE IF NOT EXISTS work (
    id VARCHAR, title VARCHAR, title_key VARCHAR, abstract VARCHAR, type VARCHAR, venue VARCHAR,
    language VARCHAR, organisation VARCHAR, score DOUBLE, year INTEGER, date VARCHAR, ids VARCHAR[], doi VARCHAR,
    arxiv_id VARCHAR, openalex_id VARCHAR, sources VARCHAR[], record_refs VARCHAR[], categories VARCHAR[],
    "references" VARCHAR[], upvotes BIGINT, author_count INTEGER, authors_truncated BOOLEAN, has_code BOOLEAN,
    cited_by_count BIGINT, pdf_url VARCHAR
);
-- a store made before the panel's citation counts and PDF links gains their columns
ALTER TABLE work ADD COLUMN IF NOT EXISTS cited_by_count BIGINT;
ALTER TABLE work ADD COLUMN IF NOT EXISTS pdf_url VARCHAR;
-- one row per author slot (one author position on one work, every source's mention of it joined)
CREATE TABLE IF NOT EXISTS slot (
    key VARCHAR, work_id VARCHAR, block VARCHAR, name VARCHAR, name_key VARCHAR, position INTEGER, mentions VARCHAR,
    institutions VARCHAR[], raw_affiliations VARCHAR[], names VARCHAR[], source VARCHAR, sources VARCHAR[],
    strong VARCHAR[]
);
-- topics the sources attached to works (OpenAlex topics, arXiv categories), before aggregation
CREATE TABLE IF NOT EXISTS work_topic_src (
    work_id VARCHAR, topic VARCHAR, name VARCHAR, scheme VARCHAR, level VARCHAR, score DOUBLE, source VARCHAR,
    ref VARCHAR
);
-- institutions the sources named (on authorships, as entities, on profiles), before aggregation
-- owner: the work (authorship institutions) or the record (entities, profiles) the row came from
CREATE TABLE IF NOT EXISTS institution_src (
    id VARCHAR, name VARCHAR, ror VARCHAR, openalex_id VARCHAR, country_code VARCHAR, type VARCHAR, source VARCHAR,
    rank INTEGER, owner VARCHAR, record_ref VARCHAR, entity BOOLEAN
);
CREATE TABLE IF NOT EXISTS work_ref_src (work_id VARCHAR, ref VARCHAR, source VARCHAR);
CREATE TABLE IF NOT EXISTS topic_src (
    id VARCHAR, name VARCHAR, scheme VARCHAR, level VARCHAR, keywords VARCHAR[], source VARCHAR, ref VARCHAR,
    authoritative BOOLEAN, parent VARCHAR
);
-- blocks whose researchers must be clustered again (set by the works step, cleared by the researchers step)
CREATE TABLE IF NOT EXISTS pending_block (block VARCHAR PRIMARY KEY);
-- researchers clustered per block group, and which slot went where
CREATE TABLE IF NOT EXISTS cluster (
    key VARCHAR, grp VARCHAR, id VARCHAR, name VARCHAR, name_key VARCHAR, block_key VARCHAR, method VARCHAR,
    confidence DOUBLE,
    evidence VARCHAR[], strong VARCHAR[], members INTEGER, names VARCHAR[], sources VARCHAR[], refs VARCHAR[]
);
CREATE TABLE IF NOT EXISTS cluster_slot (
    slot_key VARCHAR, work_id VARCHAR, cluster VARCHAR, researcher VARCHAR, confidence DOUBLE, grp VARCHAR
);
CREATE TABLE IF NOT EXISTS block_group (block VARCHAR PRIMARY KEY, grp VARCHAR);
-- every block a curated decision ever named: the only blocks that can change group (and leave old clusters behind)
CREATE TABLE IF NOT EXISTS named_block (block VARCHAR PRIMARY KEY);
CREATE TABLE IF NOT EXISTS record_target (rec VARCHAR, researcher VARCHAR);
CREATE TABLE IF NOT EXISTS researcher (
    id VARCHAR, name VARCHAR, name_key VARCHAR, block_key VARCHAR, aliases VARCHAR[], orcid VARCHAR,
    openalex_id VARCHAR, profile_key VARCHAR, headline VARCHAR, affiliation VARCHAR, affiliation_status VARCHAR,
    trust_score BIGINT, trust_label VARCHAR, verification_level VARCHAR, claimed BOOLEAN,
    open_to_collaborate BOOLEAN, followers BIGINT, reported_works BIGINT, reported_topics BIGINT,
    reported_close_collaborators BIGINT, identity_method VARCHAR, identity_confidence DOUBLE,
    identity_evidence VARCHAR[], sources VARCHAR[], mention_count INTEGER, record_refs VARCHAR[],
    big_team_works INTEGER
);
CREATE TABLE IF NOT EXISTS authored (
    src VARCHAR, dst VARCHAR, position INTEGER, raw_name VARCHAR, names VARCHAR[], source VARCHAR,
    sources VARCHAR[], confidence DOUBLE, institutions VARCHAR[], block_key VARCHAR, record_refs VARCHAR[]
);
CREATE TABLE IF NOT EXISTS institution (
    id VARCHAR, name VARCHAR, ror VARCHAR, openalex_id VARCHAR, country_code VARCHAR, type VARCHAR,
    sources VARCHAR[], record_refs VARCHAR[]
);
CREATE TABLE IF NOT EXISTS topic (
    id VARCHAR, name VARCHAR, scheme VARCHAR, level VARCHAR, keywords VARCHAR[], sources VARCHAR[],
    record_refs VARCHAR[], authoritative BOOLEAN
);
CREATE TABLE IF NOT EXISTS has_topic (
    src VARCHAR, dst VARCHAR, score DOUBLE, method VARCHAR, evidence VARCHAR, source VARCHAR, record_refs VARCHAR[]
);
CREATE TABLE IF NOT EXISTS part_of (src VARCHAR, dst VARCHAR, source VARCHAR, record_refs VARCHAR[]);
CREATE TABLE IF NOT EXISTS affiliated (
    src VARCHAR, dst VARCHAR, years INTEGER[], source VARCHAR, raw_affiliation VARCHAR, record_refs VARCHAR[]
);
CREATE TABLE IF NOT EXISTS cites (src VARCHAR, dst VARCHAR, source VARCHAR, record_refs VARCHAR[]);
CREATE TABLE IF NOT EXISTS same_as (
    src VARCHAR, dst VARCHAR, decision VARCHAR, "by" VARCHAR, "at" VARCHAR, why VARCHAR, claim VARCHAR
);
CREATE TABLE IF NOT EXISTS not_same_as (
    src VARCHAR, dst VARCHAR, decision VARCHAR, "by" VARCHAR, "at" VARCHAR, why VARCHAR, claim VARCHAR
);
CREATE TABLE IF NOT EXISTS coauthor (
    src VARCHAR, dst VARCHAR, shared_works BIGINT, weight DOUBLE, first_year INTEGER, last_year INTEGER,
    works VARCHAR[]
);
-- what the graph holds: kind (label or type), key (id, or "src|dst[|extra]"), hash of the written properties
CREATE TABLE IF NOT EXISTS written (kind VARCHAR, key VARCHAR, h UBIGINT);
-- researchers whose row must be built again (their clusters or the records describing them changed)
CREATE TABLE IF NOT EXISTS pending_researcher (id VARCHAR);
-- works and researchers whose derived topics (assignment, profiles) must be computed again after the write
CREATE TABLE IF NOT EXISTS pending_derive (kind VARCHAR, id VARCHAR);
-- authorships (researcher, work) added or removed since the last COAUTHOR build, once the stage has one
-- (kg.resolve.researchers.replace_groups); cleared by that build (kg.derive.coauthor_table), not by the topics
-- derive, which runs later and only on request
CREATE TABLE IF NOT EXISTS pending_coauthor (researcher VARCHAR, work VARCHAR);
-- what resolution touched since the graph tables were last built, once they were (kg.resolve.graph): a work
-- re-resolved (researcher NULL), or a researcher and a work of an authorship clustered again; researchers whose
-- records changed (work NULL). Cleared by the graph tables' build.
CREATE TABLE IF NOT EXISTS pending_graph (researcher VARCHAR, work VARCHAR);
-- as of the last COAUTHOR build: each work's state (distinct researchers and year of a work that makes pairs,
-- whether it is over the author cap) and the authorships of the works that make pairs
CREATE TABLE IF NOT EXISTS coauthor_work (w VARCHAR, n BIGINT, year INTEGER, big BOOLEAN);
CREATE TABLE IF NOT EXISTS coauthor_basis (r VARCHAR, w VARCHAR);
"""


# The first few provenance refs by source, file and record id, then line (kg.identity.first_refs, in SQL).
FIRST_REFS_MACRO = r"""
CREATE OR REPLACE MACRO first_refs(l) AS list_slice(
    list_transform(
        list_sort(list_distinct(list_transform(list_filter(l, lambda x: x IS NOT NULL),
                                              lambda x: regexp_replace(x, ':[0-9]+#', '#', 'g') || chr(31) || x))),
        lambda x: split_part(x, chr(31), 2)),
    1, 5);
"""


# The same as first_refs(list(x)), as an aggregate whose state is five refs a group, not every ref: the five smallest
# distinct sort keys (min(…, 5) skips NULLs and lists them in order), none: []. For a few groups over many rows
# (institutions: 5,050 groups of 2.2M rows at 500k synthetic works), where the list held every row's ref.
FIRST_REFS_AGG_MACRO = r"""
CREATE OR REPLACE MACRO first_refs_agg(x) AS coalesce(
    list_transform(min(DISTINCT regexp_replace(x, ':[0-9]+#', '#', 'g') || chr(31) || x, 5),
                   lambda y: split_part(y, chr(31), 2)),
    []::VARCHAR[]);
"""


def create_resolved_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)
    con.execute(FIRST_REFS_MACRO)
    con.execute(FIRST_REFS_AGG_MACRO)
