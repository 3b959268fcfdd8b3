"""What one work record stages as: its grouping keys, its work row as if it were the only record of its paper, its
author mentions, and the topics, institutions and references it names. Computed once, when the record is staged,
so resolution copies most of it with SQL and runs Python only where records of one paper must be merged."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import orjson
import pyarrow as pa

from kg import identity
from kg.identity import Mention, block_key, name_key
from kg.identity.works import one_work_props
from kg.models import AuthorRef, InstitutionRef, ResearcherRecord, TopicRef, WorkRecord
from kg.normalize import normalize_openalex, normalize_orcid, normalize_ror, title_key, typed_work_ref
from kg.resolve.tables import NODE_TABLES

# The Work node's columns (the resolved tables' contract, kg.resolve.tables), id first
WORK_COLUMNS = ("id", *NODE_TABLES["Work"][1])


# work_recs' names for the Work node's columns ("w_title"), with the column each is read from
_W_COLUMNS = tuple((f"w_{c}", c) for c in WORK_COLUMNS)


def profile_mention(rec: ResearcherRecord) -> Mention:
    """The mention a profile page adds to each work it lists: its person, with the page's ids."""
    orcid = normalize_orcid(rec.ids.orcid)
    openalex = normalize_openalex(rec.ids.openalex, "A")
    return Mention(
        source=rec.prov.source,
        name=rec.name.strip(),
        orcid=orcid,
        openalex=openalex,
        profile=rec.ids.profile or None,
        # a Semantic Scholar author record: its id joins the author's mentions like kg.identity.mention_from_author
        src_id=f"s2:{rec.ids.s2}" if rec.ids.s2 and not (orcid or openalex) else None,
    )


def mention_strong(m: Mention) -> list[str]:
    """A mention's strong ids, typed ("orcid:…", "openalex:A…", "profile:…", or a source id as it is): what
    kg.identity.typed_strong_ids makes of m.strong(), written out for the one id of each kind a mention holds (it
    runs for every author of every record staged; tests/test_stage_rows.py holds the two together)."""
    ids = []
    if m.orcid:
        ids.append(f"orcid:{m.orcid}")
    if m.openalex:
        ids.append(f"openalex:{m.openalex}")
    if m.profile:
        ids.append(f"profile:{m.profile}")
    if m.src_id:
        ids.append(m.src_id)
    return sorted(set(ids)) if len(ids) > 1 else ids


@lru_cache(maxsize=200_000)
def _name_keys(name: str) -> tuple[str, str]:
    """(name_key, block_key) of an author's name. kg.identity caches each for the 20,000 names clustering
    handles at a time; a load's stream of authorships names many more (47,103 distinct names in the 446,860
    authorships of `kg synth --works 100000`, 191,837 in the 4,532,537 of `--works 1000000`), and the stage
    computes both for every one."""
    return name_key(name), block_key(name)


def arxiv_category_topics(rec: WorkRecord) -> list[TopicRef]:
    """arXiv categories given with their archive ("cs.LG") are arXiv category topics of the work."""
    out = []
    for c in rec.categories:
        if "." in c and c.split(".", 1)[0].isalpha():
            out.append(TopicRef(id=f"arxiv:{c}", name=c, scheme="arxiv", level="category"))
    return out


def mention_row(wrec: str, m: Mention) -> dict[str, Any]:
    keys = _name_keys(m.name)
    return {
        "wrec": wrec,
        "name": m.name,
        "name_key": keys[0],
        "block": keys[1],
        "position": m.position,
        "strong": mention_strong(m),
        "source": m.source,
        "institutions": list(m.institutions),
        "raw_affiliations": list(m.raw_affiliations),
        "json": m.to_json(),
    }


def _author_ids(
    source_id: str | None, orcid: str | None, openalex_id: str | None, s2_id: str | None, scope: str
) -> tuple[str | None, str | None, str | None]:
    """(orcid, openalex, src_id) of an author's mention, typed as kg.identity.mention_from_author types them. (Not
    cached: a corpus names nearly as many author ids as authorships, 1,661,098 in the 4,532,537 of `kg synth
    --works 1000000`.)"""
    src_id = source_id.strip() if source_id else None
    orc = normalize_orcid(orcid) or (normalize_orcid(src_id) if src_id else None)
    oa = normalize_openalex(openalex_id, "A") or (
        normalize_openalex(src_id, "A") if src_id and src_id[:1] in "Aa" else None
    )
    if orc or oa:
        return orc, oa, None
    if s2_id and s2_id.strip():
        return orc, oa, f"s2:{s2_id.strip()}"
    return orc, oa, f"{scope}{src_id}" if src_id else None


# one institution as its rows hold it: (id, name, ror, openalex_id, country_code, type); None: it has no id
_Inst = tuple[str, str | None, str | None, str | None, str | None, str | None]


@lru_cache(maxsize=100_000)  # a few thousand places, named again on every work of their people
def _institution(
    source_id: str | None,
    ror: str | None,
    openalex_id: str | None,
    name: str | None,
    country_code: str | None,
    type_: str | None,
) -> _Inst | None:
    iid = identity.institution_id(
        SimpleNamespace(source_id=source_id, ror=ror, openalex_id=openalex_id, name=name)
    )
    if not iid:
        return None
    return (
        iid,
        (name or "").strip() or None,
        normalize_ror(ror),
        normalize_openalex(openalex_id, "I"),
        country_code,
        type_,
    )


def _inst(ref: InstitutionRef) -> _Inst | None:
    return _institution(ref.source_id, ref.ror, ref.openalex_id, ref.name, ref.country_code, ref.type)


def author_mention_row(wrec: str, a: AuthorRef, source: str, truncated: bool, scope: str) -> dict[str, Any]:
    """mention_row(wrec, mention_from_author(a, source, truncated, scope)), without the Mention: the row of every
    author of every record staged (tests/test_stage_fast.py holds the two together)."""
    return _author_row(wrec, a, source, truncated, scope, list(map(_inst, a.institutions)))


def _author_row(
    wrec: str, a: AuthorRef, source: str, truncated: bool, scope: str, insts: list[_Inst | None]
) -> dict[str, Any]:
    """author_mention_row, given the author's institutions (_inst of each)."""
    name = a.name.strip()
    key, block = _name_keys(name)
    orcid, openalex, src_id = _author_ids(a.source_id, a.orcid, a.openalex_id, a.s2_id, scope)
    ids = sorted({i[0] for i in insts if i is not None}) if insts else []
    raw = sorted(set(a.raw_affiliations))[:3] if a.raw_affiliations else []
    pos = a.position
    # Mention.to_json: the fields that are set (not None, empty or False), the two lists always
    js: dict[str, Any] = {"source": source, "name": name, "institutions": ids, "raw_affiliations": raw}
    if pos not in (None, False):
        js["position"] = pos
    strong = []
    if orcid:
        js["orcid"] = orcid
        strong.append(f"orcid:{orcid}")
    if openalex:
        js["openalex"] = openalex
        strong.append(f"openalex:{openalex}")
    if src_id:
        js["src_id"] = src_id
        strong.append(src_id)
    if truncated:
        js["truncated"] = truncated
    return {
        "wrec": wrec,
        "name": name,
        "name_key": key,
        "block": block,
        "position": pos,
        "strong": sorted(set(strong)) if len(strong) > 1 else strong,
        "source": source,
        "institutions": ids,
        "raw_affiliations": raw,
        "json": orjson.dumps(js, option=orjson.OPT_SORT_KEYS).decode(),
    }


def _inst_row(wrec: str, inst: _Inst, source: str, rank: int, ref: str) -> dict[str, Any]:
    iid, name, ror, oa, country, kind = inst
    return {
        "wrec": wrec, "id": iid, "name": name, "ror": ror, "openalex_id": oa, "country_code": country, "type": kind,
        "source": source, "rank": rank, "record_ref": ref,
    }  # fmt: skip


def work_stage_rows(
    wrec: str,
    parent: str,
    rec: WorkRecord,
    profile: ResearcherRecord | None,
    out: dict[str, list[dict[str, Any]]],
) -> None:
    """Append the rows one work record stages to `out` (table name → rows)."""
    src = rec.prov.source
    ref = f"{src}:{rec.prov.ref}"
    props = one_work_props(rec)
    # a source's own author ids (the CSV bundle's author_id) are one namespace per source, not per file
    scope = f"{src}:"
    truncated = rec.authors_truncated
    rank = identity.rank(src)
    m_rows = []
    i_rows = []
    for a in rec.authors:
        insts = list(map(_inst, a.institutions))
        for inst in insts:
            if inst is not None:
                i_rows.append(_inst_row(wrec, inst, src, rank, ref))
        if a.name.strip():
            m_rows.append(_author_row(wrec, a, src, truncated, scope, insts))
    if profile is not None:
        m_rows.append(mention_row(wrec, profile_mention(profile)))
    strong_ids = [x for r in m_rows for x in r["strong"]]
    # one slot per mention, exactly as unify_mentions would make them: every mention has a position and its own
    # name key and strong ids (the usual record); anything else goes through unify_mentions when resolved
    simple = (
        profile is None
        and all(r["position"] is not None for r in m_rows)
        and len({r["name_key"] for r in m_rows}) == len(m_rows)
        and len(set(strong_ids)) == len(strong_ids)
    )
    tk = title_key(rec.title)
    out["work_recs"].append(
        {
            "wrec": wrec,
            "rec": parent,
            "source": src,
            "title_key": tk or None,
            "year_key": rec.year,
            "keys": props["ids"],
            "profile_rec": parent if profile is not None else None,
            # a top-level record's payload is in `records`; a profile page's work is kept here
            "payload": rec.model_dump_json() if profile is not None else None,
            "pending": True,
            "simple": simple,
            **{key: props.get(c) for key, c in _W_COLUMNS},
        }
    )
    for x in props["ids"]:
        out["work_keys"].append({"wrec": wrec, "key": x})
    out["mention_src"].extend(m_rows)
    seen: set[str] = set()
    for tr in [*rec.topics, *arxiv_category_topics(rec)]:
        if tr.id in seen:
            continue
        seen.add(tr.id)
        out["topic_ref_src"].append(
            {
                "wrec": wrec, "topic": tr.id, "name": tr.name, "scheme": tr.scheme, "level": tr.level,
                "score": tr.score, "source": src, "ref": ref,
            }
        )  # fmt: skip
    out["inst_ref_src"].extend(i_rows)
    for r in sorted(set(rec.references)):
        typed = typed_work_ref(r)  # "doi:…", "openalex:W…", "s2:…", "title:…" (a bare "W…" is OpenAlex's)
        if typed:
            out["ref_src"].append({"wrec": wrec, "ref": typed, "source": src})


_S = pa.string()
_LS = pa.list_(pa.string())
WORK_FIELDS: list[tuple[str, pa.DataType]] = [
    ("id", _S), ("title", _S), ("title_key", _S), ("abstract", _S), ("type", _S), ("venue", _S),
    ("language", _S), ("organisation", _S), ("score", pa.float64()), ("year", pa.int32()), ("date", _S),
    ("ids", _LS), ("doi", _S), ("arxiv_id", _S), ("openalex_id", _S), ("sources", _LS), ("record_refs", _LS),
    ("categories", _LS), ("references", _LS), ("upvotes", pa.int64()), ("author_count", pa.int32()),
    ("authors_truncated", pa.bool_()), ("has_code", pa.bool_()), ("cited_by_count", pa.int64()), ("pdf_url", _S),
]  # fmt: skip
SCHEMAS: dict[str, pa.Schema] = {
    "work_recs": pa.schema(
        [
            ("wrec", _S),
            ("rec", _S),
            ("source", _S),
            ("title_key", _S),
            ("year_key", pa.int32()),
            ("keys", _LS),
            ("profile_rec", _S),
            ("payload", _S),
            ("pending", pa.bool_()),
            ("simple", pa.bool_()),
            *[(f"w_{n}", t) for n, t in WORK_FIELDS],
        ]
    ),
    "work_keys": pa.schema([("wrec", _S), ("key", _S)]),
    "mention_src": pa.schema(
        [
            ("wrec", _S),
            ("name", _S),
            ("name_key", _S),
            ("block", _S),
            ("position", pa.int32()),
            ("strong", _LS),
            ("source", _S),
            ("institutions", _LS),
            ("raw_affiliations", _LS),
            ("json", _S),
        ]
    ),
    "topic_ref_src": pa.schema(
        [
            ("wrec", _S),
            ("topic", _S),
            ("name", _S),
            ("scheme", _S),
            ("level", _S),
            ("score", pa.float64()),
            ("source", _S),
            ("ref", _S),
        ]
    ),
    "inst_ref_src": pa.schema(
        [
            ("wrec", _S),
            ("id", _S),
            ("name", _S),
            ("ror", _S),
            ("openalex_id", _S),
            ("country_code", _S),
            ("type", _S),
            ("source", _S),
            ("rank", pa.int32()),
            ("record_ref", _S),
        ]
    ),
    "ref_src": pa.schema([("wrec", _S), ("ref", _S), ("source", _S)]),
}

DDL = """
CREATE TABLE IF NOT EXISTS work_recs (
    wrec VARCHAR, rec VARCHAR, source VARCHAR, title_key VARCHAR, year_key INTEGER, keys VARCHAR[], profile_rec VARCHAR,
    payload VARCHAR, pending BOOLEAN, simple BOOLEAN,
    w_id VARCHAR, w_title VARCHAR, w_title_key VARCHAR, w_abstract VARCHAR, w_type VARCHAR, w_venue VARCHAR,
    w_language VARCHAR, w_organisation VARCHAR, w_score DOUBLE, w_year INTEGER, w_date VARCHAR, w_ids VARCHAR[],
    w_doi VARCHAR, w_arxiv_id VARCHAR, w_openalex_id VARCHAR, w_sources VARCHAR[], w_record_refs VARCHAR[],
    w_categories VARCHAR[], w_references VARCHAR[], w_upvotes BIGINT, w_author_count INTEGER,
    w_authors_truncated BOOLEAN, w_has_code BOOLEAN, w_cited_by_count BIGINT, w_pdf_url VARCHAR
);
-- a store made before the panel's citation counts and PDF links gains their columns
ALTER TABLE work_recs ADD COLUMN IF NOT EXISTS w_cited_by_count BIGINT;
ALTER TABLE work_recs ADD COLUMN IF NOT EXISTS w_pdf_url VARCHAR;
CREATE TABLE IF NOT EXISTS work_keys (wrec VARCHAR, key VARCHAR);
CREATE TABLE IF NOT EXISTS mention_src (
    wrec VARCHAR, name VARCHAR, name_key VARCHAR, block VARCHAR, position INTEGER, strong VARCHAR[], source VARCHAR,
    institutions VARCHAR[], raw_affiliations VARCHAR[], json VARCHAR
);
CREATE TABLE IF NOT EXISTS topic_ref_src (
    wrec VARCHAR, topic VARCHAR, name VARCHAR, scheme VARCHAR, level VARCHAR, score DOUBLE, source VARCHAR,
    ref VARCHAR
);
CREATE TABLE IF NOT EXISTS inst_ref_src (
    wrec VARCHAR, id VARCHAR, name VARCHAR, ror VARCHAR, openalex_id VARCHAR, country_code VARCHAR, type VARCHAR,
    source VARCHAR, rank INTEGER, record_ref VARCHAR
);
CREATE TABLE IF NOT EXISTS ref_src (wrec VARCHAR, ref VARCHAR, source VARCHAR);
"""
