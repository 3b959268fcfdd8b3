"""A CSV bundle staged by SQL: DuckDB reads works.csv and authorships.csv itself and makes the stage rows of every
record whose rows it can prove it makes exactly as the record path does; every other works row goes through the
record path (kg.sources.parsers.csv_bundle and kg.stage.store), so the store always ends as the record path leaves
it. How `kg load` stages a bundle directory unless KG_STAGE_SQL=0 (issue #15; kg.pipeline runs it in the bundle's
place among the inputs; bench/stage_sql.py measures it; tests/test_stage_csv_sql.py holds it exact).

What SQL takes: a works row with an id and a title, an ASCII DOI and arXiv id, a year of ASCII digits in
range, text without control or bidi characters (nothing for cleaning to change), lengths well inside the models'
limits, and authorship rows that are all usable (a name, a position of digits or none). What stays in Python, as
DuckDB user functions over the distinct values: name keys, institution ids, the title key of a non-ASCII title, the
typed ids of a non-ASCII author id.
A bundle DuckDB might read differently from Python's csv module (a NUL byte or a CR alone, white space before a quote, a
blank line, a row of the wrong width, a header with other columns, an overlong cell, text that is not UTF-8) is
staged whole by the record path. (Every cell quoted, as csv.QUOTE_ALL and R's write.csv write them, is read alike.)
"""

from __future__ import annotations

import csv
import mmap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from kg import identity
from kg.identity import block_key, name_key
from kg.models import Record, Reject
from kg.normalize import normalize_openalex, normalize_orcid, title_key
from kg.sources.parsers.base import RecordError, looks_binary, reject
from kg.sources.parsers.csv_bundle import (
    AUTHORSHIP_COLUMNS,
    AUTHORSHIPS,
    WORK_COLUMNS,
    WORKS,
    BundleChunk,
    _position,
    _usable,
)
from kg.sources.parsers.read import bundle_records, chunk_records
from kg.stage.store import StageCounts, StageStore, drop_temp

# Python's csv module refuses a cell longer than this (csv.field_size_limit(), not raised by the parser): such a
# row is a reject there, so a bundle with one is left to the record path
CSV_FIELD_LIMIT = csv.field_size_limit()
# a non-ASCII text of at most this many characters is at most MAX_KEY_BYTES (4,000) as an index key: no character
# takes more than 33 UTF-8 bytes once compatibility-decomposed and case-folded (computed over every code point)
SHORT_UNICODE = 121
# how many of the store's per-row memory allowances (kg.stage.store.PART_BYTES_PER_ROW) one authorship row takes
# while its work is made in SQL (_prepare)
SQL_ROW_WEIGHT = 3
# white space as str.strip() removes it (every character for which str.isspace() is true)
_WS = (
    "".join(
        map(
            chr,
            [
                *range(0x9, 0xE),
                *range(0x1C, 0x21),
                0x85,
                0xA0,
                0x1680,
                *range(0x2000, 0x200B),
                0x2028,
                0x2029,
            ],
        )
    )
    + "\u202f\u205f\u3000"
)
# what cleaning would remove (kg.models: C0 controls, DEL, bidi controls), and tab and line ends too: text holding
# none of these is escaped in JSON by `\\` and `"` alone
_UNSAFE_SQL = r"[\x00-\x1f\x7f\x{202a}-\x{202e}\x{2066}-\x{2069}]"
# white space DuckDB skips before a quote at the start of a cell (Python keeps it, and the quotes, as text)
_QUOTE_PAD = b" \t\x0b\x0c"


# on_progress(what, done, total): what staging a bundle is doing, how far (total 0: not known)
Progress = Callable[[str, int, int], None]


class NotPlain(Exception):
    """The bundle may read differently in DuckDB than in Python's csv module: it goes through the record path."""


@dataclass
class SqlStaged:
    """What staging a bundle by SQL did."""

    counts: StageCounts = field(default_factory=StageCounts)
    sql_records: int = 0  # works rows made into stage rows by SQL
    python_records: int = 0  # records made by the record path (works rows SQL left, or the whole bundle)
    rejects: list[Reject] = field(default_factory=list)
    whole_python: str | None = None  # why the whole bundle went through the record path


@dataclass(frozen=True)
class _Shape:
    header: tuple[str, ...]
    lines: int  # physical lines (a last line without a line end counts)
    newline: str  # "\n", or "\r\n" when every line ends so (Python's csv.writer writes them)


def _shape(path: Path, columns: tuple[str, ...]) -> _Shape:
    """The header, line count and line end of a file DuckDB reads as Python does, or NotPlain."""
    with path.open("rb") as f:
        if f.seek(0, 2) == 0:
            raise NotPlain(f"{path.name} is empty")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            if looks_binary(mm[:8192]):  # (the record path names it: an error, not a reject)
                raise NotPlain(f"{path.name} looks binary")
            if mm.find(b"\x00") >= 0:
                raise NotPlain(f"{path.name} holds a NUL byte")
            if _space_before_quote(mm):
                raise NotPlain(f"{path.name} has white space before a quote")
            end = mm.find(b"\n")
            head = mm[: end if end >= 0 else len(mm)]
            nl, cr, crlf = _count_ends(mm)
            last = mm[len(mm) - 1 : len(mm)]
    if cr != crlf:  # a CR alone ends a line for Python, not for DuckDB (an LF alone does for both)
        raise NotPlain(f"{path.name} mixes line ends")
    try:
        text = head.decode("utf-8-sig").removesuffix("\r")
    except UnicodeDecodeError:
        raise NotPlain(f"{path.name}: header is not UTF-8") from None
    header = tuple(next(csv.reader([text])))
    # each name bare or quoted whole (csv.QUOTE_ALL writers, R's write.csv): nothing Python and DuckDB may split apart
    raw = text.split(",")
    plain = len(raw) == len(header) and all(r in (h, f'"{h}"') for r, h in zip(raw, header, strict=False))
    if not plain or sorted(header) != sorted(columns):
        raise NotPlain(f"{path.name}: header is not exactly {', '.join(columns)}")
    return _Shape(header, nl + (0 if last == b"\n" else 1), "\r\n" if cr else "\n")


def _space_before_quote(mm: mmap.mmap) -> bool:
    """Whether a cell starts with white space and then a quote (found by the byte pairs: a regular expression over
    the whole file took half a second per 40 MB)."""
    for pad in _QUOTE_PAD:
        at = mm.find(bytes([pad]) + b'"')
        while at >= 0:
            start = at
            while start > 0 and mm[start - 1] in _QUOTE_PAD:
                start -= 1
            if start == 0 or mm[start - 1] in b",\n":
                return True
            at = mm.find(bytes([pad]) + b'"', at + 1)
    return False


def _count_ends(mm: mmap.mmap) -> tuple[int, int, int]:
    """(LF, CR, CR LF) in a file (CR LF counted only where there is a CR)."""
    nl = cr = crlf = 0
    at, size, step = 0, len(mm), 64 << 20
    while at < size:
        block = mm[at : at + step + 1]  # (one byte more: a CR LF across the cut is counted in this block)
        nl += block.count(b"\n", 0, step)
        n = block.count(b"\r", 0, step)
        cr += n
        crlf += block.count(b"\r\n") if n else 0
        at += step
    return nl, cr, crlf


# ---- SQL ------------------------------------------------------------------------------------------------------

# (read_csv's options are literals: the path is the one value, a parameter)
_READ = """
CREATE TEMP TABLE {table} AS SELECT * FROM read_csv(?, header = true, auto_detect = false, delim = ',',
    quote = '"', escape = '"', strict_mode = true, null_padding = false, columns = {columns})
"""

# each row's cells stripped as str.strip() strips them, the embedded line ends it holds, and its first line
_CELLS = """
CREATE TEMP TABLE {out} AS
WITH raw AS (
    SELECT rowid AS i, {stripped}, {nl} AS nl FROM {table}
)
SELECT *, 2 + (row_number() OVER w - 1) + coalesce(sum(nl) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
    AS line
FROM raw WINDOW w AS (ORDER BY i)
"""
# the same when no cell holds a line end: each row is one line (rowid counts the rows of a new table from 0)
_CELLS_FLAT = "CREATE TEMP TABLE {out} AS SELECT rowid AS i, {stripped}, rowid + 2 AS line FROM {table}"


def _strip(col: str) -> str:
    return f'kg_strip("{col}") AS "{col}"'


def _newlines(cols: tuple[str, ...]) -> str:
    return " + ".join(f'kg_newlines("{c}")' for c in cols)


def _longest(cols: tuple[str, ...]) -> str:
    # (characters counted only in a cell of at least CSV_FIELD_LIMIT bytes: no shorter one can reach the limit, and
    # counting every cell's characters took a second per 4.5M rows)
    return (
        "greatest("
        + ", ".join(
            f'coalesce(CASE WHEN strlen("{c}") >= {CSV_FIELD_LIMIT} THEN length("{c}") END, 0)' for c in cols
        )
        + ")"
    )


_MACROS = rf"""
CREATE OR REPLACE TEMP MACRO kg_trim(x) AS trim(coalesce(x, ''), {" || ".join(f"chr({ord(c)})" for c in _WS)});
-- (trim by a set of characters is slow: a cell that starts and ends with printable ASCII needs none)
CREATE OR REPLACE TEMP MACRO kg_strip(x) AS CASE WHEN x IS NULL THEN ''
    WHEN ascii(x) BETWEEN 33 AND 126 AND ascii(right(x, 1)) BETWEEN 33 AND 126 THEN x ELSE kg_trim(x) END;
-- (LF is one byte; the copy replace() makes only of a cell that holds one)
CREATE OR REPLACE TEMP MACRO kg_newlines(x) AS
    CASE WHEN contains(x, chr(10)) THEN strlen(x) - strlen(replace(x, chr(10), '')) ELSE 0 END;
CREATE OR REPLACE TEMP MACRO kg_ascii(x) AS strlen(x) = length(x);
CREATE OR REPLACE TEMP MACRO kg_fits(x, n) AS length(x) <= n AND (strlen(x) = length(x) OR length(x) <= {SHORT_UNICODE});
CREATE OR REPLACE TEMP MACRO kg_safe(x) AS NOT regexp_matches(x, '{_UNSAFE_SQL}');
CREATE OR REPLACE TEMP MACRO kg_q(x) AS '"' || replace(replace(x, '\', '\\'), '"', '\"') || '"';
CREATE OR REPLACE TEMP MACRO kg_qn(x) AS CASE WHEN x IS NULL OR x = '' THEN 'null' ELSE kg_q(x) END;
-- (the whole text or nothing, as a full match would keep it: the prefix stripped once, not twice)
CREATE OR REPLACE TEMP MACRO kg_doi(x) AS nullif(regexp_extract(
        lower(trim(regexp_replace(x, '^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)', '', 'i'), ' ')),
        '^10\.[0-9]{{4,9}}/[^\s\v]+$'), '');
CREATE OR REPLACE TEMP MACRO kg_arxiv_v(x) AS
    regexp_replace(x, '^(?:arxiv:|https?://(?:www\.)?(?:export\.)?arxiv\.org/(?:abs|pdf)/)', '', 'i');
CREATE OR REPLACE TEMP MACRO kg_arxiv(x) AS coalesce(
    nullif(regexp_extract(kg_arxiv_v(x), '^([0-9]{{4}}\.[0-9]{{4,5}})(?:v[0-9]+)?(?:\.pdf)?$', 1), ''),
    nullif(lower(regexp_extract(kg_arxiv_v(x),
        '(?i)^([a-z][a-z\-]*(?:\.[A-Z]{{2}})?/[0-9]{{7}})(?:v[0-9]+)?(?:\.pdf)?$', 1)), ''));
-- title_key of an ASCII title: LaTeX out, lower case, every run of anything but a letter or digit one space
-- (LaTeX only looked for in a title holding a $ or a backslash: most hold neither)
CREATE OR REPLACE TEMP MACRO kg_title_key_ascii(x) AS
    trim(regexp_replace(lower(CASE WHEN contains(x, '$') OR contains(x, '\') THEN
        regexp_replace(x, '\$[^$]*\$|\\[a-zA-Z]+', ' ', 'g') ELSE x END), '[^a-z0-9]+', ' ', 'g'));
"""

# authorship rows: usable as they are (a name, a position of ASCII digits from 1, or none) and the rest (judged by
# the record path: a reject, or a usable row whose work the record path makes). Stored in part order, as _w: a part's
# rows then lie in one or two row groups, which the part's scans alone read (zone maps on `part`); in file order
# every part read the whole table, spilled beyond the memory limit (the 1M bundle: 27 parts, ≈ 1 GB read per part)
_AUTHS = """
CREATE TEMP TABLE _a AS SELECT *,
    author_name = '' AND author_id = '' AND position = '' AND institution_id = '' AND institution_name = ''
        AND work_id = '' AS blank,
    coalesce(author_name <> '' AND (position = ''
        OR (regexp_full_match(position, '[0-9]{1,9}') AND TRY_CAST(position AS INTEGER) >= 1)), false) AS plain,
    CASE WHEN position <> '' AND regexp_full_match(position, '[0-9]{1,9}') THEN TRY_CAST(position AS INTEGER) END AS pos,
    kg_safe(work_id || author_id || author_name || institution_id || institution_name)
        AND kg_fits(author_name, 1000) AND kg_fits(author_id, 1000)
        AND kg_fits(institution_id, 1000) AND kg_fits(institution_name, 1000) AS simple_text,
    hash(work_id) % $parts AS part
FROM _a_cells ORDER BY part
"""

# works rows SQL makes: every check the models and the record path's cleaning make, passed as they are
_WORKS = """
CREATE TEMP TABLE _w AS
WITH w AS (
    SELECT *,
        work_id = '' AND title = '' AND year = '' AND venue = '' AND doi = '' AND arxiv_id = '' AND abstract = ''
            AS blank,
        CASE WHEN year <> '' AND regexp_full_match(year, '[0-9]{1,9}') THEN TRY_CAST(year AS INTEGER) END AS year_i,
        CASE WHEN doi <> '' AND kg_ascii(doi) THEN kg_doi(doi) END AS doi_n,
        CASE WHEN arxiv_id <> '' AND kg_ascii(arxiv_id) THEN kg_arxiv(arxiv_id) END AS arxiv_n,
        CASE WHEN kg_ascii(title) THEN kg_title_key_ascii(title) END AS tk_ascii,
        hash(work_id) % $parts AS part
    FROM _w_cells
), groups AS (
    SELECT work_id, bool_and(plain AND simple_text) AS ok, count(*) AS n FROM _a WHERE NOT blank GROUP BY work_id
)
SELECT w.*, coalesce(w.tk_ascii, t.tk) AS tk,
    -- (coalesce: a NULL here would leave the row to neither path)
    coalesce(NOT w.blank AND w.work_id <> '' AND w.title <> ''
    AND kg_safe(w.work_id || w.title || w.year || w.venue || w.doi || w.arxiv_id || w.abstract)
    AND kg_fits(w.title, 2000) AND kg_fits(w.work_id, 1000) AND length(w.abstract) <= 100000
    AND (w.year = '' OR w.year_i BETWEEN 1000 AND 2100)
    AND kg_ascii(w.doi) AND kg_ascii(w.arxiv_id) AND length(coalesce(w.doi_n, '')) <= 1000
    AND coalesce(w.tk_ascii, t.tk, '') <> ''
    AND coalesce(g.ok, true) AND coalesce(g.n, 0) <= 5000, false) AS sql_ok
FROM w LEFT JOIN _tk t ON t.title = w.title AND w.tk_ascii IS NULL LEFT JOIN groups g ON g.work_id = w.work_id
ORDER BY w.part
"""

# each author of a work SQL makes, in its place (explicit positions first, then file order), with its rows' values
_AUTHORS = """
CREATE TEMP TABLE _au AS
WITH a AS (
    SELECT a.*, row_number() OVER (PARTITION BY a.work_id ORDER BY a.pos IS NULL, a.pos, a.i) AS p,
        nullif(upper(regexp_extract(a.author_id, '([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9Xx])', 1)), '') AS orc,
        regexp_extract(rtrim(a.author_id, '/'), '[^/]*$') AS oa_v
    FROM _a a WHERE NOT a.blank AND a.part = $part AND a.work_id IN (SELECT work_id FROM _w WHERE sql_ok AND part = $part)
), b AS (
    -- (an id beyond ASCII is typed by the Python functions, whose digits are any script's: _aid)
    SELECT a.* REPLACE (CASE WHEN kg_ascii(a.author_id) THEN a.orc ELSE x.orc END AS orc),
        CASE WHEN NOT kg_ascii(a.author_id) THEN x.oa
            WHEN left(a.author_id, 1) IN ('A', 'a') AND regexp_full_match(a.oa_v, '[Aa][0-9]+')
            THEN 'A' || substr(a.oa_v, 2) END AS oa
    FROM a LEFT JOIN _aid x ON x.aid = a.author_id
), c AS (
    SELECT b.*, CASE WHEN b.orc IS NULL AND b.oa IS NULL AND b.author_id <> '' THEN 'csv:' || b.author_id END AS src,
        i.inst, n.nkey, n.bkey
    FROM b JOIN _nk n ON n.name = b.author_name
    LEFT JOIN _ik i ON i.iid = b.institution_id AND i.iname = b.institution_name
)
SELECT work_id, p, author_name AS name, nkey, bkey, inst, nullif(institution_name, '') AS iname,
    CASE WHEN orc IS NOT NULL AND oa IS NOT NULL THEN ['openalex:' || oa, 'orcid:' || orc]
        WHEN orc IS NOT NULL THEN ['orcid:' || orc] WHEN oa IS NOT NULL THEN ['openalex:' || oa]
        WHEN src IS NOT NULL THEN [src] ELSE []::VARCHAR[] END AS strong,
    -- Mention.to_json as kg.stage.records writes it (orjson, keys sorted)
    -- (concat, as _MADE builds the payload: no argument is NULL here)
    concat('{"institutions":[', coalesce(kg_q(inst), ''), '],"name":', kg_q(author_name),
        coalesce(',"openalex":' || kg_q(oa), ''), coalesce(',"orcid":' || kg_q(orc), ''), ',"position":', p,
        ',"raw_affiliations":[],"source":"csv"', coalesce(',"src_id":' || kg_q(src), ''), '}') AS mjson,
    -- the AuthorRef's JSON inside the record's (pydantic's field order)
    concat('{"name":', kg_q(author_name), ',"position":', p, ',"orcid":null,"openalex_id":null,"source_id":',
        kg_qn(author_id), ',"s2_id":null,"institutions":[',
        CASE WHEN institution_id <> '' OR institution_name <> '' THEN concat('{"name":', kg_qn(institution_name),
            ',"ror":null,"openalex_id":null,"source_id":', kg_qn(institution_id), ',"country_code":null,"type":null}')
            ELSE '' END,
        '],"raw_affiliations":[]}') AS ajson
FROM c
"""

# the works SQL makes, whole: their record JSON (pydantic's model_dump_json), key, typed ids and Work columns (of one
# part of the works: see _made_in_parts)
_MADE = """
CREATE TEMP TABLE _made AS
WITH dup AS (
    -- works whose record is not simple: two of its authors share a name key or a strong id (what count(DISTINCT)
    -- and list_distinct said in the aggregate below; ≈ 100 of 650 ms less for a part of 33k works)
    SELECT work_id FROM _au GROUP BY work_id, nkey HAVING count(*) > 1 OR nkey IS NULL
    UNION ALL
    SELECT work_id FROM (SELECT work_id, unnest(strong) AS s FROM _au) GROUP BY work_id, s HAVING count(*) > 1
), ag AS (
    SELECT work_id, count(*) AS n, string_agg(ajson, ',' ORDER BY p) AS authors FROM _au GROUP BY work_id
), w AS (
    SELECT w.*, ag.n, ag.authors, NOT EXISTS (SELECT 1 FROM dup d WHERE d.work_id = w.work_id) AS simple,
        'title:' || left(sha1(w.tk), 16) AS tid,
        'csv:' || $file || ':' || w.line || '#' || w.work_id AS ref,
        -- (one concat, not a chain of ||: ≈ 12 % less for this statement; no argument is NULL here, which concat
        -- would skip where || gives NULL)
        concat('{"kind":"work","prov":{"source":"csv","file":', kg_q($file), ',"line":', w.line, ',"record_id":',
            kg_q(w.work_id), '},"title":', kg_q(w.title), ',"abstract":', kg_qn(w.abstract),
            ',"type":null,"venue":', kg_qn(w.venue), ',"year":', coalesce(w.year_i::VARCHAR, 'null'),
            ',"month":null,"day":null,"categories":[],"authors":[', coalesce(ag.authors, ''),
            '],"authors_truncated":false,"author_count":', coalesce(ag.n::VARCHAR, 'null'),
            ',"score":null,"upvotes":null,"has_code":null,"organisation":null,"language":null,"ids":{"doi":',
            kg_qn(w.doi_n), ',"arxiv":', kg_qn(w.arxiv_n),
            ',"openalex":null,"mag":null,"pmid":null,"s2":null,"source_id":', kg_q(w.work_id),
            '},"topics":[],"references":[],"cited_by_count":null,"pdf_url":null}') AS payload
    FROM _w w LEFT JOIN ag USING (work_id) WHERE w.sql_ok AND w.part = $part
)
SELECT *, left(sha1('work' || chr(31) || payload), 24) AS rec,
    list_sort(list_filter(['doi:' || doi_n, 'arxiv:' || arxiv_n, tid], lambda x: x IS NOT NULL)) AS ids,
    coalesce('doi:' || doi_n, 'arxiv:' || arxiv_n, tid) AS best
FROM w
"""

_INSERTS = (
    # (the records the store holds already: a view of the rest, not a copy of every new record's payload)
    "CREATE TEMP TABLE _old AS SELECT rec FROM _made WHERE rec IN (SELECT rec FROM records)",
    "CREATE TEMP VIEW _new AS SELECT * FROM _made WHERE rec NOT IN (SELECT rec FROM _old)",
    "INSERT INTO records SELECT rec, 'work', 'csv', ref, $run_id, payload FROM _new",
    """INSERT INTO work_recs (wrec, rec, source, title_key, year_key, keys, profile_rec, payload, pending, simple,
        w_id, w_title, w_title_key, w_abstract, w_type, w_venue, w_language, w_organisation, w_score, w_year, w_date,
        w_ids, w_doi, w_arxiv_id, w_openalex_id, w_sources, w_record_refs, w_categories, w_references, w_upvotes,
        w_author_count, w_authors_truncated, w_has_code, w_cited_by_count, w_pdf_url)
    SELECT rec, rec, 'csv', tk, year_i, ids, NULL, NULL, true, simple,
        best, title, tk, nullif(abstract, ''), NULL, nullif(venue, ''), NULL, NULL, NULL, year_i, year_i::VARCHAR,
        ids, doi_n, arxiv_n, NULL, ['csv'], [ref], []::VARCHAR[], []::VARCHAR[], NULL,
        n, false, NULL, NULL, NULL
    FROM _new""",
    "INSERT INTO work_keys SELECT rec, unnest(ids) FROM _new",
    """INSERT INTO mention_src SELECT n.rec, a.name, a.nkey, a.bkey, a.p, a.strong, 'csv',
        CASE WHEN a.inst IS NULL THEN []::VARCHAR[] ELSE [a.inst] END, []::VARCHAR[], a.mjson
    FROM _new n JOIN _au a USING (work_id)""",
    """INSERT INTO inst_ref_src SELECT n.rec, a.inst, a.iname, NULL, NULL, NULL, NULL, 'csv', $rank, n.ref
    FROM _new n JOIN _au a USING (work_id) WHERE a.inst IS NOT NULL""",
)

_TEMP_TABLES = (
    "_aid",
    "_rw",
    "_ra",
    "_w_cells",
    "_a_cells",
    "_a",
    "_tk",
    "_w",
    "_nk",
    "_ik",
    "_au",
    "_made",
    "_old",
)


def _name_key(name: str) -> str:
    return name_key(name)


def _block_key(name: str) -> str:
    return block_key(name)


def _title_key(title: str) -> str:
    return title_key(title)


def _orcid(author_id: str) -> str | None:
    return normalize_orcid(author_id)


def _openalex_author(author_id: str) -> str | None:
    # (as kg.stage.records._author_ids types a source id: only one that starts with A or a)
    return normalize_openalex(author_id, "A") if author_id[:1] in "Aa" else None


def _institution_id(source_id: str, name: str) -> str | None:
    # (what kg.stage.records._institution asks of an InstitutionRef with only these two fields set)
    return identity.institution_id(
        _Ref(source_id=source_id or None, ror=None, openalex_id=None, name=name or None)
    )


@dataclass(frozen=True)
class _Ref:
    source_id: str | None
    ror: str | None
    openalex_id: str | None
    name: str | None


_UDFS: tuple[tuple[str, Any, list[str]], ...] = (
    ("kg_name_key", _name_key, ["VARCHAR"]),
    ("kg_block_key", _block_key, ["VARCHAR"]),
    ("kg_title_key", _title_key, ["VARCHAR"]),
    ("kg_institution_id", _institution_id, ["VARCHAR", "VARCHAR"]),
    ("kg_orcid", _orcid, ["VARCHAR"]),
    ("kg_openalex_author", _openalex_author, ["VARCHAR"]),
)


@contextmanager
def _session(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The macros, user functions and file order this staging needs on the store's connection, and none after."""
    con.execute(_MACROS)
    for name, fn, params in _UDFS:
        # (special: a user function may return NULL)
        con.create_function(name, fn, params, "VARCHAR", null_handling="special", side_effects=False)  # type: ignore[call-overload]
    try:
        yield
    finally:
        for name, _, _ in _UDFS:
            con.remove_function(name)
        con.execute("DROP VIEW IF EXISTS _new")
        drop_temp(con, *_TEMP_TABLES)


def stage_bundle_sql(
    store: StageStore, directory: Path, run_id: str, on_progress: Progress | None = None
) -> SqlStaged:
    """Stage one CSV bundle: by SQL what it can make exactly, by the record path the rest (or, for a bundle DuckDB
    may read differently, all of it). The store ends as kg.stage.store.StageStore.stage of the bundle's records
    leaves it; the rejects are the record path's, in its order. The files are named as `kg load DIRECTORY`
    names them. `on_progress(what, done, total)` says what it is doing (total 0: not known)."""
    works_file, auths_file = str(directory / WORKS), str(directory / AUTHORSHIPS)
    progress = on_progress or (lambda _w, _d, _t: None)
    out = SqlStaged()
    con = store.con
    progress(f"stage {directory.name} by SQL: check the files", 0, 0)
    try:
        shapes = _shape(directory / WORKS, WORK_COLUMNS), _shape(directory / AUTHORSHIPS, AUTHORSHIP_COLUMNS)
    except NotPlain as e:
        return _whole_python(store, directory, run_id, str(e), progress)
    with _session(con):
        progress(f"stage {directory.name} by SQL: read the files", 0, 0)
        try:
            _read(con, directory, shapes)
        except NotPlain as e:
            return _whole_python(store, directory, run_id, str(e), progress)
        progress(f"stage {directory.name} by SQL: check the rows", 0, 0)
        parts = _prepare(store)
        made, new = _made_in_parts(store, parts, works_file, run_id, directory.name, progress)
        out.sql_records = made
        out.counts.read += made
        out.counts.new += new
        items, rejects = _python_rows(con, shapes, auths_file)
        out.rejects.extend(rejects)
        orphans = _orphans(con, auths_file)
    chunk = BundleChunk(works_file, auths_file, items, len(items))  # type: ignore[arg-type]
    _stage_records(store, run_id, chunk_records(chunk), out, _counted(progress, directory.name, len(items)))
    out.rejects.extend(orphans)
    return out


def _prepare(store: StageStore) -> int:
    """The read rows judged (which works SQL makes) and keyed (names, titles, institutions, ids beyond ASCII, by
    the Python functions over the distinct values); how many parts the works are made in."""
    con = store.con
    # parts by work id: a part's authors' aggregates must fit in DuckDB's memory limit (they cannot spill), and
    # each part's rows are made and inserted while they are in memory. A part's authorship row holds more than the
    # store's per-row allowance here (its JSON, and its share of its work's payload): sized at the allowance, the
    # 1M bundle's first part ran out in _MADE at 333 MiB under a 350 MB limit (350k rows), and a `kg load --bulk`
    # of it under the 512 MB default ran out once, beside other work; so each row counts SQL_ROW_WEIGHT times
    rows = int(con.execute("SELECT count(*) FROM _a_cells").fetchone()[0])  # type: ignore[index]
    parts = store.parts_for(rows * SQL_ROW_WEIGHT)
    con.execute(_AUTHS, {"parts": parts})
    con.execute("DROP TABLE _a_cells")  # (each table dropped once read: DuckDB's memory is the load's)
    con.execute(
        "CREATE TEMP TABLE _tk AS SELECT title, kg_title_key(title) AS tk FROM "
        "(SELECT DISTINCT title FROM _w_cells WHERE NOT kg_ascii(title) AND kg_safe(title))"
    )
    con.execute(_WORKS, {"parts": parts})
    con.execute("DROP TABLE _w_cells")
    con.execute(
        "CREATE TEMP TABLE _nk AS SELECT name, kg_name_key(name) AS nkey, kg_block_key(name) AS bkey FROM "
        "(SELECT DISTINCT author_name AS name FROM _a WHERE plain AND simple_text "
        "AND work_id IN (SELECT work_id FROM _w WHERE sql_ok))"
    )
    con.execute(
        "CREATE TEMP TABLE _ik AS SELECT iid, iname, kg_institution_id(iid, iname) AS inst FROM "
        "(SELECT DISTINCT institution_id AS iid, institution_name AS iname FROM _a "
        "WHERE plain AND simple_text AND (institution_id <> '' OR institution_name <> ''))"
    )
    con.execute(
        "CREATE TEMP TABLE _aid AS SELECT aid, kg_orcid(aid) AS orc, kg_openalex_author(aid) AS oa FROM "
        "(SELECT DISTINCT author_id AS aid FROM _a WHERE NOT kg_ascii(author_id) AND plain AND simple_text)"
    )
    return parts


def _counted(progress: Progress, name: str, total: int) -> Callable[[StageCounts], None]:
    def on_chunk(counts: StageCounts) -> None:
        progress(f"stage {name}: the rows SQL left, by the record path", counts.read, total)

    return on_chunk


def _made_in_parts(
    store: StageStore, parts: int, works_file: str, run_id: str, name: str, progress: Progress
) -> tuple[int, int]:
    """Every part's authors, works and stage rows made and inserted, in one transaction; (works made, records new
    to the store)."""
    con = store.con
    made = new = 0
    total = int(con.execute("SELECT count(*) FROM _w WHERE sql_ok").fetchone()[0])  # type: ignore[index]
    progress(f"stage {name} by SQL", 0, total)
    with store.checkpoints_at("1GB"), store.transaction():
        for part in range(parts):
            con.execute(_AUTHORS, {"part": part})
            con.execute(_MADE, {"file": works_file, "part": part})
            for sql in _INSERTS:
                params: dict[str, Any] = {"run_id": run_id} if "$run_id" in sql else {}
                if "$rank" in sql:
                    params["rank"] = identity.rank("csv")
                con.execute(sql, params)
            made += int(con.execute("SELECT count(*) FROM _made").fetchone()[0])  # type: ignore[index]
            new += int(con.execute("SELECT count(*) FROM _new").fetchone()[0])  # type: ignore[index]
            con.execute("DROP VIEW _new")
            for t in ("_old", "_made", "_au"):
                con.execute(f"DROP TABLE {t}")
            progress(f"stage {name} by SQL", made, total)
    return made, new


def _read(con: duckdb.DuckDBPyConnection, directory: Path, shapes: tuple[_Shape, _Shape]) -> None:
    """The two files into temp tables in file order, cells stripped, each row's first line; NotPlain when DuckDB
    cannot read them as Python would."""
    for name, shape, raw, cells in (
        (WORKS, shapes[0], "_rw", "_w_cells"),
        (AUTHORSHIPS, shapes[1], "_ra", "_a_cells"),
    ):
        cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in shape.header) + "}"
        try:
            with _file_order(con):
                con.execute(_READ.format(table=raw, columns=cols), [str(directory / name)])
        except duckdb.Error as e:
            raise NotPlain(f"{name}: DuckDB reads it otherwise ({str(e).splitlines()[0]})") from None
        rows, nl, longest = con.execute(
            f"SELECT count(*), coalesce(sum({_newlines(shape.header)}), 0), coalesce(max({_longest(shape.header)}), 0) "
            f"FROM {raw}"
        ).fetchone()  # type: ignore[misc]
        if 1 + rows + nl != shape.lines:
            raise NotPlain(f"{name}: {shape.lines} lines, {rows} rows holding {nl} line ends (a blank line?)")
        if longest >= CSV_FIELD_LIMIT:
            raise NotPlain(f"{name}: a cell of {longest:,} characters (Python's csv refuses it)")
        stripped = ", ".join(_strip(c) for c in shape.header)
        first, last = con.execute(f"SELECT min(rowid), max(rowid) FROM {raw}").fetchone()  # type: ignore[misc]
        flat = nl == 0 and (rows == 0 or (first, last) == (0, rows - 1))
        sql = _CELLS_FLAT if flat else _CELLS
        con.execute(sql.format(out=cells, table=raw, stripped=stripped, nl=_newlines(shape.header)))
        con.execute(f"DROP TABLE {raw}")


@contextmanager
def _file_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Rows kept in the order they are read while a file is read into a table (its rowid is then the file's order);
    the store's setting (no order kept, for memory) back after."""
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before and before[0] else 'false'}")


def _python_rows(
    con: duckdb.DuckDBPyConnection, shapes: tuple[_Shape, _Shape], auths_file: str
) -> tuple[list[tuple[int, dict[str, str], list[tuple[int, dict[str, str]]]]], list[Reject]]:
    """The works rows SQL left, each with its usable authorship rows, as the record path reads them; and the
    rejects of the authorship rows the record path refuses (its survey's, in file order)."""
    w_cols = ", ".join(f'"{c}"' for c in shapes[0].header)
    a_cols = ", ".join(f'"{c}"' for c in shapes[1].header)
    rejects: list[Reject] = []
    for line, *cells in con.execute(
        f"SELECT line, {a_cols} FROM _a WHERE NOT blank AND NOT plain ORDER BY i"
    ).fetchall():
        row = dict(zip(shapes[1].header, cells, strict=True))
        try:
            _position(row["author_name"], row["position"])
        except RecordError as e:
            rejects.append(reject(auths_file, str(e), line=line, raw=",".join(row.values())))
    by_work: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, plain, *cells in con.execute(
        f"SELECT line, plain, {a_cols} FROM _a WHERE NOT blank AND work_id IN "
        "(SELECT work_id FROM _w WHERE NOT blank AND NOT sql_ok) ORDER BY i"
    ).fetchall():
        row = dict(zip(shapes[1].header, cells, strict=True))
        if plain or _usable(row):
            by_work.setdefault(row["work_id"], []).append((line, row))
    items = []
    for line, *cells in con.execute(
        f"SELECT line, {w_cols} FROM _w WHERE NOT blank AND NOT sql_ok ORDER BY i"
    ).fetchall():
        row = dict(zip(shapes[0].header, cells, strict=True))
        items.append((line, row, list(by_work.get(row["work_id"], []))))
    return items, rejects


def _orphans(con: duckdb.DuckDBPyConnection, auths_file: str) -> list[Reject]:
    """Usable authorship rows whose work_id no works row has, by work id (as UTF-8 bytes) then line."""
    found = []
    for wid, line, plain, name, pos in con.execute(
        "SELECT work_id, line, plain, author_name, position FROM _a WHERE NOT blank AND work_id NOT IN "
        "(SELECT work_id FROM _w WHERE NOT blank)"
    ).fetchall():
        if plain or _usable({"author_name": name, "position": pos}):
            found.append((wid.encode("utf-8", "surrogatepass"), line, wid))
    return [
        reject(auths_file, f"work_id {wid!r} is not in {WORKS}", line=line) for _, line, wid in sorted(found)
    ]


def _stage_records(
    store: StageStore,
    run_id: str,
    items: Iterator[Record | Reject],
    out: SqlStaged,
    on_chunk: Callable[[StageCounts], None] | None = None,
) -> None:
    """Stage records through the record path (StageStore.stage), their rejects and notes kept in order."""

    def records() -> Iterator[Record]:
        for it in items:
            if isinstance(it, Reject):
                out.rejects.append(it)
            else:
                out.python_records += 1
                yield it

    counts = store.stage(run_id, records(), on_chunk=on_chunk)
    out.counts.read += counts.read
    out.counts.new += counts.new


def _whole_python(store: StageStore, directory: Path, run_id: str, why: str, progress: Progress) -> SqlStaged:
    """The bundle through the record path as a load reads it (a file it cannot read becomes a reject there)."""
    out = SqlStaged(whole_python=why)
    on_chunk = _counted(progress, directory.name, 0)
    _stage_records(store, run_id, bundle_records(directory), out, on_chunk)
    return out
