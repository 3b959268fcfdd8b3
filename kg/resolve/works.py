"""Resolve works: one Work per paper from every staged record of it, with its author slots, topics and references.

Records are grouped by the keys they share (DOI, arXiv id, OpenAlex id, title): a pending record's whole connected
component is resolved again (kg.identity.group_works decides within it, never joining two DOIs), so a new record is
resolved against everything staged before it, and the result is a function of the set of records. Each component
is replaced in the resolved tables in one transaction; the blocks of every author slot it removed or added are
marked pending for the researchers step.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from kg import identity
from kg.identity import (
    Mention,
    WorkItem,
    block_key,
    group_works,
    mention_from_author,
    merge_work_props,
    unify_mentions,
)
from kg.models import ResearcherRecord, WorkRecord
from kg.normalize import normalize_openalex
from kg.resolve import rows as rowmod
from kg.stage.store import StageStore

# Records resolved per transaction (whole components: one may be larger).
CHUNK = 5000

WORK_COLUMNS = (
    "id",
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
)


@dataclass
class WorksReport:
    records: int = 0
    works: int = 0
    removed: int = 0
    blocks: set[str] = field(default_factory=set)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        p = self.parent.setdefault(x, x)
        while p != x:
            gp = self.parent.setdefault(p, p)
            self.parent[x] = gp
            x, p = p, gp
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def pending_components(store: StageStore) -> list[list[str]]:
    """Every connected component (by shared keys) that holds a pending work record, each sorted."""
    con = store.con
    pending = [r[0] for r in con.execute("SELECT wrec FROM work_recs WHERE pending").fetchall()]
    if not pending:
        return []
    uf = _UnionFind()
    first_of_key: dict[str, str] = {}
    for wrec, key in con.execute(
        "SELECT k.wrec, k.key FROM work_keys k "
        "JOIN (SELECT key FROM work_keys GROUP BY key HAVING count(DISTINCT wrec) > 1) d USING (key) "
        "ORDER BY k.key, k.wrec"
    ).fetchall():
        other = first_of_key.setdefault(key, wrec)
        if other != wrec:
            uf.union(other, wrec)
    by_root: dict[str, list[str]] = defaultdict(list)
    for x in uf.parent:
        by_root[uf.find(x)].append(x)
    out: list[list[str]] = []
    done: set[str] = set()
    for w in sorted(pending):
        if w in uf.parent:
            root = uf.find(w)
            if root not in done:
                done.add(root)
                out.append(sorted(by_root[root]))
        else:
            out.append([w])
    return out


def _chunks(components: list[list[str]], size: int) -> Iterator[list[list[str]]]:
    batch: list[list[str]] = []
    n = 0
    for comp in components:
        batch.append(comp)
        n += len(comp)
        if n >= size:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def resolve_works(store: StageStore, on_progress: Callable[[int, int], None] | None = None) -> WorksReport:
    """Resolve every pending work record (and its component) into the resolved tables."""
    report = WorksReport()
    components = pending_components(store)
    total = sum(len(c) for c in components)
    done = 0
    for batch in _chunks(components, CHUNK):
        _resolve_batch(store, batch, report)
        done += sum(len(c) for c in batch)
        if on_progress:
            on_progress(done, total)
    return report


def _keys_table(name: str, values: list[str]) -> pa.Table:
    return pa.table({name: pa.array(values, type=pa.string())})


def _resolve_batch(store: StageStore, batch: list[list[str]], report: WorksReport) -> None:
    con = store.con
    wrecs = [w for comp in batch for w in comp]
    con.register("_wrecs", _keys_table("wrec", wrecs))
    try:
        fetched = con.execute(
            "SELECT r.wrec, r.payload, r.profile_rec, r.ids, r.title_key, r.year "
            "FROM work_recs r JOIN _wrecs USING (wrec)"
        ).fetchall()
        old_works = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT m.work_id FROM work_member m JOIN _wrecs USING (wrec)"
            ).fetchall()
        ]
    finally:
        con.unregister("_wrecs")
    by_wrec = {row[0]: row for row in fetched}
    profile_recs = sorted({row[2] for row in fetched if row[2]})
    profiles: dict[str, Mention] = {}
    if profile_recs:
        con.register("_recs", _keys_table("rec", profile_recs))
        try:
            for rec, payload in con.execute(
                "SELECT r.rec, r.payload FROM researcher_recs r JOIN _recs USING (rec)"
            ).fetchall():
                profiles[rec] = rowmod.profile_mention(ResearcherRecord.model_validate_json(payload))
        finally:
            con.unregister("_recs")

    members: list[dict[str, Any]] = []
    work_rows: list[dict[str, Any]] = []
    slot_rows: list[dict[str, Any]] = []
    topic_rows: list[dict[str, Any]] = []
    inst_rows: list[dict[str, Any]] = []
    ref_rows: list[dict[str, Any]] = []
    for comp in batch:
        items = [
            WorkItem(ids=set(by_wrec[w][3] or []), title_key=by_wrec[w][4] or "", year=by_wrec[w][5])
            for w in comp
        ]
        groups = group_works(items)
        parsed = {w: WorkRecord.model_validate_json(by_wrec[w][1]) for w in comp}
        merged = [
            (sorted(comp[i] for i in g), merge_work_props([], [parsed[comp[i]] for i in g])) for g in groups
        ]
        # two groups that come out with the same id (papers known by one title only, years apart) are one Work
        by_id: dict[str, list[tuple[list[str], dict[str, Any]]]] = defaultdict(list)
        for group_wrecs, props in merged:
            by_id[props["id"]].append((group_wrecs, props))
        for parts in by_id.values():
            if len(parts) == 1:
                group_wrecs, props = parts[0]
            else:
                group_wrecs = sorted(w for ws, _ in parts for w in ws)
                props = merge_work_props([], [parsed[w] for w in group_wrecs])
            wid = props["id"]
            work_rows.append({c: props.get(c) for c in WORK_COLUMNS})
            members.extend({"wrec": w, "work_id": wid} for w in group_wrecs)
            _work_details(
                wid, group_wrecs, parsed, by_wrec, profiles, slot_rows, topic_rows, inst_rows, ref_rows
            )

    new_ids = [r["id"] for r in work_rows]
    with store.transaction():
        gone = sorted(set(old_works) - set(new_ids))
        touched = sorted(set(old_works) | set(new_ids))
        con.register("_touched", _keys_table("id", touched))
        try:
            old_blocks = {
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT s.block FROM slot s JOIN _touched t ON s.work_id = t.id"
                ).fetchall()
            }
            for table, col in (
                ("work", "id"),
                ("slot", "work_id"),
                ("work_topic_src", "work_id"),
                ("work_ref_src", "work_id"),
            ):
                con.execute(f"DELETE FROM {table} WHERE {col} IN (SELECT id FROM _touched)")
            con.execute("DELETE FROM institution_src WHERE owner IN (SELECT id FROM _touched)")
        finally:
            con.unregister("_touched")
        con.register("_wrecs", _keys_table("wrec", wrecs))
        try:
            con.execute("DELETE FROM work_member WHERE wrec IN (SELECT wrec FROM _wrecs)")
            con.execute("UPDATE work_recs SET pending = false WHERE wrec IN (SELECT wrec FROM _wrecs)")
        finally:
            con.unregister("_wrecs")
        store.insert_rows("work_member", members, _MEMBER_SCHEMA)
        store.insert_rows("work", work_rows, WORK_SCHEMA)
        store.insert_rows("slot", slot_rows, SLOT_SCHEMA)
        store.insert_rows("work_topic_src", topic_rows, _WORK_TOPIC_SCHEMA)
        store.insert_rows("institution_src", inst_rows, INSTITUTION_SRC_SCHEMA)
        store.insert_rows("work_ref_src", ref_rows, _REF_SCHEMA)
        blocks = old_blocks | {r["block"] for r in slot_rows}
        blocks.discard("|")
        store.insert_rows("pending_block", [{"block": b} for b in sorted(blocks)], _BLOCK_SCHEMA, ignore=True)
        store.insert_rows("pending_derive", [{"kind": "work", "id": w} for w in new_ids], _DERIVE_SCHEMA)
    report.records += len(wrecs)
    report.works += len(new_ids)
    report.removed += len(gone)
    report.blocks |= blocks


def _work_details(
    wid: str,
    group_wrecs: list[str],
    parsed: dict[str, WorkRecord],
    by_wrec: dict[str, tuple[Any, ...]],
    profiles: dict[str, Mention],
    slot_rows: list[dict[str, Any]],
    topic_rows: list[dict[str, Any]],
    inst_rows: list[dict[str, Any]],
    ref_rows: list[dict[str, Any]],
) -> None:
    """The author slots, source topics, institutions and references of one resolved work."""
    mentions: set[Mention] = set()
    topics_seen: set[tuple[str, str, str]] = set()
    for w in sorted(group_wrecs):
        rec = parsed[w]
        src = rec.prov.source
        ref = f"{src}:{rec.prov.ref}"
        # a source's own author ids (the CSV bundle's author_id) are one namespace per source, not per file
        scope = f"{src}:"
        for a in rec.authors:
            if a.name.strip():
                mentions.add(mention_from_author(a, src, rec.authors_truncated, scope))
            for iref in a.institutions:
                irow = rowmod.institution_row(iref, src, ref)
                if irow:
                    irow["owner"] = wid  # rows of a work go when the work is resolved again
                    inst_rows.append(irow)
        profile_rec = by_wrec[w][2]
        if profile_rec and profile_rec in profiles:
            mentions.add(profiles[profile_rec])
        for tr in [*rec.topics, *rowmod.arxiv_category_topics(rec)]:
            k = (tr.id, src, ref)
            if k in topics_seen:
                continue
            topics_seen.add(k)
            topic_rows.append(
                {
                    "work_id": wid,
                    "topic": tr.id,
                    "name": tr.name,
                    "scheme": tr.scheme,
                    "level": tr.level,
                    "score": tr.score,
                    "source": src,
                    "ref": ref,
                }
            )
        for r in rec.references:
            oa = normalize_openalex(r, "W")
            if oa:
                ref_rows.append({"work_id": wid, "ref": f"openalex:{oa}", "source": src})
    for s in unify_mentions(wid, mentions):
        slot_rows.append(
            {
                "key": s.key,
                "work_id": wid,
                "block": block_key(s.name),
                "name": s.name,
                "position": s.position,
                "mentions": json.dumps(sorted(m.to_json() for m in s.mentions), ensure_ascii=False),
                "institutions": s.institutions,
                "raw_affiliations": s.raw_affiliations,
                "names": s.names,
                "source": s.source,
                "sources": sorted({m.source for m in s.mentions}),
            }
        )


def slot_from_row(work_id: str, mentions_json: str, key: str) -> identity.Slot:
    """A stored slot again (its key keeps the suffix that tells apart two authors of one work sharing a name)."""
    slot = identity.Slot(work_id=work_id, mentions=[Mention.from_json(m) for m in json.loads(mentions_json)])
    if key != slot.key:
        slot.suffix = key[len(slot.key) :]
    return slot


_S = pa.string()
_LS = pa.list_(pa.string())
WORK_SCHEMA = pa.schema(
    [
        ("id", _S),
        ("title", _S),
        ("title_key", _S),
        ("abstract", _S),
        ("type", _S),
        ("venue", _S),
        ("language", _S),
        ("organisation", _S),
        ("score", pa.float64()),
        ("year", pa.int32()),
        ("date", _S),
        ("ids", _LS),
        ("doi", _S),
        ("arxiv_id", _S),
        ("openalex_id", _S),
        ("sources", _LS),
        ("record_refs", _LS),
        ("categories", _LS),
        ("references", _LS),
        ("upvotes", pa.int64()),
        ("author_count", pa.int32()),
        ("authors_truncated", pa.bool_()),
        ("has_code", pa.bool_()),
        ("cited_by_count", pa.int64()),
        ("pdf_url", _S),
    ]
)
SLOT_SCHEMA = pa.schema(
    [
        ("key", _S),
        ("work_id", _S),
        ("block", _S),
        ("name", _S),
        ("position", pa.int32()),
        ("mentions", _S),
        ("institutions", _LS),
        ("raw_affiliations", _LS),
        ("names", _LS),
        ("source", _S),
        ("sources", _LS),
    ]
)
_MEMBER_SCHEMA = pa.schema([("wrec", _S), ("work_id", _S)])
_WORK_TOPIC_SCHEMA = pa.schema(
    [
        ("work_id", _S),
        ("topic", _S),
        ("name", _S),
        ("scheme", _S),
        ("level", _S),
        ("score", pa.float64()),
        ("source", _S),
        ("ref", _S),
    ]
)
INSTITUTION_SRC_SCHEMA = pa.schema(
    [
        ("id", _S),
        ("name", _S),
        ("ror", _S),
        ("openalex_id", _S),
        ("country_code", _S),
        ("type", _S),
        ("source", _S),
        ("rank", pa.int32()),
        ("owner", _S),
        ("record_ref", _S),
        ("entity", pa.bool_()),
    ]
)
_REF_SCHEMA = pa.schema([("work_id", _S), ("ref", _S), ("source", _S)])
_BLOCK_SCHEMA = pa.schema([("block", _S)])
_DERIVE_SCHEMA = pa.schema([("kind", _S), ("id", _S)])
