"""Resolve works: one Work per paper from every staged record of it, with its author slots, topics and references.

Records are grouped by the keys they share (DOI, arXiv id, OpenAlex id, title): a pending record's whole connected
component is resolved again (kg.identity.group_works decides within it, never joining two DOIs), so a new record is
resolved against everything staged before it, and the result is a function of the set of records.

Most records share no key with any other, or only a title with records group_works never joins them to (another
DOI, years apart), and list their authors plainly or as one slot each (two of one name told apart by their ids):
their work row and author slots are the ones staging computed for them alone, copied with SQL (both decided in SQL:
pending_components). The rest (papers seen by several sources, profile pages' works, author lists that need
unifying) are merged in Python by kg.identity (merge_work_props, unify_mentions). A record that shares keys only
with records it stays apart from is left out of their component: it joins nothing, so their grouping is the same.
Each batch replaces its works in the resolved tables in one transaction and marks pending the blocks of every
author slot it removed or added, for the researchers step.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from kg import identity
from kg.identity import Mention, WorkItem, block_key, group_works, merge_work_props, name_key, unify_mentions
from kg.models import WorkRecord
from kg.resolve.tables import GRAPH_BUILT
from kg.stage.records import WORK_COLUMNS, WORK_FIELDS, mention_strong
from kg.stage.store import STAGE_CHECKPOINT_THRESHOLD, StageStore, drop_temp

# Records resolved per transaction (whole components: one may be larger).
CHUNK = 5000
FAST_CHUNK = 250_000
PAYLOAD_PASS = (
    200_000  # records of multi-record works whose payloads are held at once (one read of `records` each)
)

_S = pa.string()
_LS = pa.list_(pa.string())
WORK_SCHEMA = pa.schema(WORK_FIELDS)
SLOT_SCHEMA = pa.schema(
    [
        ("key", _S), ("work_id", _S), ("block", _S), ("name", _S), ("name_key", _S), ("position", pa.int32()),
        ("mentions", _S), ("institutions", _LS), ("raw_affiliations", _LS), ("names", _LS), ("source", _S),
        ("sources", _LS), ("strong", _LS),
    ]
)  # fmt: skip
MEMBER_SCHEMA = pa.schema([("wrec", _S), ("work_id", _S)])


@dataclass
class WorksReport:
    records: int = 0
    works: int = 0
    merged: int = 0  # records resolved by merging in Python (the rest were copied)


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


def key_components(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Records joined by the keys they share, from (wrec, key) rows in any order: each record that shares a key
    with another, mapped to the smallest record of its connected component (what the Spark engine's label
    propagation finds, kg.resolve.spark.components); a key only one record holds joins nothing."""
    uf = _UnionFind()
    first_of_key: dict[str, str] = {}
    for wrec, key in rows:
        other = first_of_key.setdefault(key, wrec)
        if other != wrec:
            uf.union(other, wrec)
    # a root is the smallest record of its set: union makes the smaller root the parent
    return {x: uf.find(x) for x in uf.parent}


def pending_components(
    store: StageStore,
    *,
    alone_in_sql: bool = True,
    linked_keys_sql: str | None = None,
    one_slot_each_sql: str | None = None,
) -> tuple[list[str], list[list[str]]]:
    """(pending records that share no Work with any record and list plain authors, every other connected component
    holding a pending record). With `alone_in_sql`, records sharing keys only with records they cannot share a Work
    with (_LINKABLE_SQL) count as sharing none, and authors that are one slot each though two share a name key
    (ONE_SLOT_EACH_SQL) as plain; without, every shared key joins and only staging's plain lists are plain (what
    the model sees). `linked_keys_sql` / `one_slot_each_sql`: where the rows of those two queries are read from when
    a caller holds them already (the Spark engine's export)."""
    con = store.con
    pending = {
        r[0]: bool(r[1]) for r in con.execute("SELECT wrec, simple FROM work_recs WHERE pending").fetchall()
    }
    if not pending:
        return [], []
    if alone_in_sql:
        for (wrec,) in con.execute(one_slot_each_sql or ONE_SLOT_EACH_SQL).fetchall():
            pending[wrec] = True
    comp = key_components(
        con.execute((linked_keys_sql or LINKED_KEYS_SQL) if alone_in_sql else _SHARED_KEYS_SQL).fetchall()
    )
    by_root: dict[str, list[str]] = defaultdict(list)
    for x, root in comp.items():
        by_root[root].append(x)
    fast: list[str] = []
    slow: list[list[str]] = []
    done: set[str] = set()
    for w in sorted(pending):
        if w in comp:
            root = comp[w]
            if root not in done:
                done.add(root)
                slow.append(sorted(by_root[root]))
        elif pending[w]:
            fast.append(w)
        else:
            slow.append([w])
    return fast, slow


_SHARED_KEYS_SQL = """
SELECT k.wrec, k.key FROM work_keys k
JOIN (SELECT key FROM work_keys GROUP BY key HAVING count(DISTINCT wrec) > 1) d USING (key)
ORDER BY k.key, k.wrec
"""

# Records holding a shared key that kg.identity.group_works could put in one Work with another record, each of a
# pair that could (a superset: a short title's one-year gap or missing year counts as a possible link). The rest
# share only a title, and with every record of that title either a year gap of two or more or two DOIs (arXiv ids,
# S2 ids) that differ, and no one-title-only group's id with any: group_works leaves them alone whatever else is
# staged, they join nothing (the records they share a title with share it with one another), and staging computed
# their work and slots (synthetic corpora: 25,371 of 500k works share a title, 966 of them may link). Pairwise, so
# a function of the set of records.
_LINKABLE_SQL = """
WITH shared AS (SELECT key FROM work_keys GROUP BY key HAVING count(DISTINCT wrec) > 1),
held AS (SELECT DISTINCT k.wrec, starts_with(k.key, 'title:') AS by_title FROM work_keys k JOIN shared USING (key)),
recs AS (
    SELECT w.wrec, w.title_key, w.year_key, w.w_id,
           list_filter(w.keys, lambda x: starts_with(x, 'doi:')) AS doi,
           list_filter(w.keys, lambda x: starts_with(x, 'arxiv:')) AS arxiv,
           list_filter(w.keys, lambda x: starts_with(x, 's2:')) AS s2
    FROM work_recs w SEMI JOIN held USING (wrec)
)
-- an id other than a title: one paper
SELECT wrec FROM held WHERE NOT by_title
UNION
-- one best id: records known by one title only, years apart, are one Work (merge_component's groups of one id)
SELECT wrec FROM recs WHERE w_id IN (SELECT w_id FROM recs GROUP BY w_id HAVING count(*) > 1)
UNION
-- a title within a year (or a year unknown) and no two differing paper ids: group_works may link the two
SELECT a.wrec FROM recs a JOIN recs b ON a.title_key = b.title_key AND a.wrec <> b.wrec
WHERE (a.year_key IS NULL OR b.year_key IS NULL OR abs(a.year_key - b.year_key) <= 1)
  AND NOT (len(a.doi) > 0 AND len(b.doi) > 0 AND NOT list_has_any(a.doi, b.doi))
  AND NOT (len(a.arxiv) > 0 AND len(b.arxiv) > 0 AND NOT list_has_any(a.arxiv, b.arxiv))
  AND NOT (len(a.s2) > 0 AND len(b.s2) > 0 AND NOT list_has_any(a.s2, b.s2))
"""

# Pending records staging did not mark plain (work_recs.simple) whose authors unify_mentions still makes one slot
# each: no profile mention, every mention at a position of its own with strong ids of its own, and any two of one
# name key told apart by two ids of one kind (two "Li Wang" of a large team, each with an OpenAlex id), which
# unify_mentions never joins and numbers "@2", "@3" by position (_PLAIN_SLOTS_SQL). (Positions are 1 or more, as
# AuthorRef requires; a 0 would be left out of a mention's JSON as falsy, so such a record stays with unify_mentions.)
# On synthetic corpora these are the large teams: 1,375 records of 500k works, 291k mentions, unify_mentions took
# ~30 us a mention on.
# Public, like LINKED_KEYS_SQL: the Spark engine takes both decisions from the stage too (kg.resolve.spark).
ONE_SLOT_EACH_SQL = """
WITH m AS (
    SELECT m.wrec, m.name_key, m.position, m.strong,
           nullif(json_extract_string(m.json, '$.orcid'), '') AS orcid,
           nullif(json_extract_string(m.json, '$.openalex'), '') AS openalex,
           nullif(json_extract_string(m.json, '$.profile'), '') AS profile,
           nullif(json_extract_string(m.json, '$.src_id'), '') AS src_id
    FROM mention_src m JOIN work_recs w USING (wrec)
    WHERE w.pending AND NOT coalesce(w.simple, false) AND w.profile_rec IS NULL
),
joined AS (  -- two mentions of one name key with no two ids of one kind that differ: one slot (Slot.conflicts)
    SELECT a.wrec FROM m a JOIN m b ON a.wrec = b.wrec AND a.name_key = b.name_key AND a.position < b.position
    WHERE NOT coalesce(
        a.orcid <> b.orcid OR a.openalex <> b.openalex OR a.profile <> b.profile OR a.src_id <> b.src_id, false
    )
)
SELECT wrec FROM m GROUP BY wrec
HAVING count(position) = count(*) AND count(DISTINCT position) = count(*) AND bool_and(position <> 0)
   AND len(flatten(list(strong))) = len(list_distinct(flatten(list(strong))))
EXCEPT SELECT wrec FROM joined
"""

# The keys the linkable records share with one another: their components without the records left alone
LINKED_KEYS_SQL = f"""
WITH linkable AS ({_LINKABLE_SQL}),
lk AS (SELECT k.wrec, k.key FROM work_keys k SEMI JOIN linkable USING (wrec))
SELECT lk.wrec, lk.key FROM lk
JOIN (SELECT key FROM lk GROUP BY key HAVING count(DISTINCT wrec) > 1) d USING (key)
ORDER BY lk.key, lk.wrec
"""


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


def resolve_works(
    store: StageStore,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    copy_single_records: bool = True,
) -> WorksReport:
    """Resolve every pending work record (and its component) into the resolved tables. `copy_single_records=False`
    merges every record in Python, each with every record it shares a key with (what the copy and the records left
    alone in SQL must agree with: tests/test_resolve.py compares the two)."""
    report = WorksReport()
    fast, slow = pending_components(store, alone_in_sql=copy_single_records)
    if not copy_single_records:
        fast, slow = [], sorted([[w] for w in fast] + slow)
    total = len(fast) + sum(len(c) for c in slow)
    done = 0
    # One checkpoint at the end instead of one every few batches: at DuckDB's default threshold every other batch's
    # commit was a checkpoint of the growing store (3-4 CPU-s each at 500k synthetic works), and the batches of
    # merged records grow faster than the corpus (records sharing a title: 4.8k of 200k works, 25k of 500k)
    with store.checkpoints_at(STAGE_CHECKPOINT_THRESHOLD):
        for i in range(0, len(fast), FAST_CHUNK):
            part = fast[i : i + FAST_CHUNK]
            copy_plain_records(store, part)
            report.records += len(part)
            report.works += len(part)
            done += len(part)
            if on_progress:
                on_progress(done, total)
        for components in _chunks(slow, PAYLOAD_PASS):
            payloads = _payloads(store, [w for comp in components if len(comp) > 1 for w in comp])
            for batch in _chunks(components, CHUNK):
                n_records, n_works = _merge_batch(store, batch, payloads)
                report.records += n_records
                report.merged += n_records
                report.works += n_works
                done += n_records
                if on_progress:
                    on_progress(done, total)
    return report


def _keys_table(name: str, values: list[str]) -> pa.Table:
    return pa.table({name: pa.array(values, type=_S)})


def replace_works(store: StageStore, wrecs: list[str], new_works: Callable[[], None]) -> None:
    """In one transaction: drop what the given records' works were, let `new_works` insert work_member, work and
    slot rows, copy the records' topics, institutions and references onto their works, and mark the blocks of old
    and new slots pending."""
    con = store.con
    with store.transaction():
        con.register("_wrecs", _keys_table("wrec", wrecs))
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _old AS "
                "SELECT DISTINCT work_id AS id FROM work_member JOIN _wrecs USING (wrec)"
            )
            con.execute(
                "INSERT OR IGNORE INTO pending_block SELECT DISTINCT s.block FROM slot s JOIN _old ON s.work_id = _old.id"
            )
            for table, col in (
                ("work", "id"),
                ("slot", "work_id"),
                ("work_topic_src", "work_id"),
                ("work_ref_src", "work_id"),
            ):
                con.execute(f"DELETE FROM {table} WHERE {col} IN (SELECT id FROM _old)")
            con.execute("DELETE FROM institution_src WHERE owner IN (SELECT id FROM _old)")
            con.execute("DELETE FROM work_member WHERE wrec IN (SELECT wrec FROM _wrecs)")
            new_works()
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _new AS "
                "SELECT DISTINCT m.work_id AS id FROM work_member m JOIN _wrecs USING (wrec)"
            )
            # a work is made whole again: rows from its other records come too
            con.execute(
                "INSERT INTO work_topic_src "
                "SELECT m.work_id, t.topic, t.name, t.scheme, t.level, t.score, t.source, t.ref "
                "FROM topic_ref_src t JOIN work_member m USING (wrec) JOIN _new ON _new.id = m.work_id"
            )
            con.execute(
                "INSERT INTO institution_src "
                "SELECT i.id, i.name, i.ror, i.openalex_id, i.country_code, i.type, i.source, i.rank, m.work_id, "
                "i.record_ref, false "
                "FROM inst_ref_src i JOIN work_member m USING (wrec) JOIN _new ON _new.id = m.work_id"
            )
            con.execute(
                "INSERT INTO work_ref_src SELECT DISTINCT m.work_id, r.ref, r.source "
                "FROM ref_src r JOIN work_member m USING (wrec) JOIN _new ON _new.id = m.work_id"
            )
            con.execute(
                "INSERT OR IGNORE INTO pending_block SELECT DISTINCT s.block FROM slot s JOIN _new ON s.work_id = _new.id"
            )
            con.execute("INSERT INTO pending_derive SELECT 'work', id FROM _new")
            # the graph tables' rows of these works (kg.resolve.graph), once they were built
            if store.meta(GRAPH_BUILT) is not None:
                con.execute(
                    "INSERT INTO pending_graph SELECT NULL, id FROM _old UNION SELECT NULL, id FROM _new"
                )
            con.execute("UPDATE work_recs SET pending = false WHERE wrec IN (SELECT wrec FROM _wrecs)")
            con.execute("DELETE FROM pending_block WHERE block = '|'")
        finally:
            con.unregister("_wrecs")
    drop_temp(con, "_old", "_new")


def copy_plain_records(store: StageStore, wrecs: list[str]) -> None:
    """Records alone in their paper, with plain author lists: the work and slots staging computed for them."""
    con = store.con
    work_cols = ", ".join(f'r.w_{c} AS "{c}"' for c in WORK_COLUMNS)

    def insert() -> None:
        con.execute("INSERT INTO work_member SELECT r.wrec, r.w_id FROM work_recs r JOIN _wrecs USING (wrec)")
        con.execute(f"INSERT INTO work SELECT {work_cols} FROM work_recs r JOIN _wrecs USING (wrec)")
        con.execute(_PLAIN_SLOTS_SQL.format(wrecs="_wrecs"))

    replace_works(store, wrecs, insert)


# The slots staging computed for plain records (work_recs.simple, or one slot each: ONE_SLOT_EACH_SQL; one slot
# per mention, exactly as unify_mentions makes them), under the record's own work id, the second author of one name
# key "@2"; {wrecs}: a table of the records. Only the latter have two of a name key: the window that numbers them
# runs over their mentions alone (over every copied mention it doubled the statement's CPU), and `m` is read twice,
# not held (a chunk of 250k records copies 1.1M mentions).
_PLAIN_SLOTS_SQL = """
INSERT INTO slot
WITH m AS NOT MATERIALIZED (
    SELECT m.*, r.w_id, coalesce(r.simple, false) AS simple
    FROM mention_src m JOIN {wrecs} USING (wrec) JOIN work_recs r USING (wrec)
),
numbered AS (
    SELECT *, 1 AS nth FROM m WHERE simple
    UNION ALL
    SELECT *, row_number() OVER (PARTITION BY wrec, name_key ORDER BY position, name, json) FROM m WHERE NOT simple
)
SELECT w_id || '#' || name_key || CASE WHEN nth > 1 THEN '@' || nth ELSE '' END, w_id, block, name, name_key,
       position, to_json([json])::VARCHAR, institutions, raw_affiliations, [name], source, [source], strong
FROM numbered
"""


def _copy_plain_slots(store: StageStore, wrecs: list[str]) -> None:
    """Plain records that came out alone in their work from a merged component: their staged slots, in SQL."""
    if not wrecs:
        return
    store.con.register("_copied_wrecs", _keys_table("wrec", wrecs))
    try:
        store.con.execute(_PLAIN_SLOTS_SQL.format(wrecs="_copied_wrecs"))
    finally:
        store.con.unregister("_copied_wrecs")


def _payloads(store: StageStore, wrecs: list[str]) -> dict[str, str]:
    """The record payloads of the given work records (a profile's work: its own), read in one pass over
    `records` (a join per batch read every payload of the stage again each time); callers bound how many
    (PAYLOAD_PASS), so memory does not grow with the number of colliding records."""
    if not wrecs:
        return {}
    con = store.con
    con.register("_payload_wrecs", _keys_table("wrec", wrecs))
    try:
        rows = con.execute(
            "SELECT w.wrec, coalesce(w.payload, r.payload) "
            "FROM work_recs w JOIN _payload_wrecs USING (wrec) JOIN records r ON r.rec = w.rec"
        ).fetchall()
    finally:
        con.unregister("_payload_wrecs")
    return dict(rows)


class _MentionTexts(Mapping[str, list[Mention]]):
    """A work record's mentions, parsed from their stored JSON when asked for (the records whose staged slots are
    copied never are)."""

    def __init__(self) -> None:
        self.texts: dict[str, list[str]] = defaultdict(list)

    def __getitem__(self, wrec: str) -> list[Mention]:
        if wrec not in self.texts:
            raise KeyError(wrec)
        return [Mention.from_json(t) for t in self.texts[wrec]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)


def _merge_batch(store: StageStore, batch: list[list[str]], payloads: dict[str, str]) -> tuple[int, int]:
    """Components with shared keys or unplain author lists: group, merge and unify in Python. `payloads`: those
    of the records of every component with several (a single record's merged props are its staged ones)."""
    con = store.con
    wrecs = [w for comp in batch for w in comp]
    con.register("_wrecs", _keys_table("wrec", wrecs))
    try:
        cols = ", ".join(f"w.w_{c}" for c in WORK_COLUMNS)
        fetched = [
            (row[0], payloads.get(row[0]), *row[1:])
            for row in con.execute(
                f"SELECT w.wrec, w.keys, w.title_key, w.year_key, {cols} FROM work_recs w JOIN _wrecs USING (wrec)"
            ).fetchall()
        ]
        plain = {
            r[0]
            for r in con.execute(
                "SELECT wrec FROM work_recs JOIN _wrecs USING (wrec) WHERE simple"
            ).fetchall()
        }
        mentions = _MentionTexts()
        for wrec, text in con.execute(
            "SELECT m.wrec, m.json FROM mention_src m JOIN _wrecs USING (wrec)"
        ).fetchall():
            mentions.texts[wrec].append(text)
    finally:
        con.unregister("_wrecs")
    by_wrec = {row[0]: row for row in fetched}
    members: list[dict[str, Any]] = []
    work_rows: list[dict[str, Any]] = []
    slot_rows: list[dict[str, Any]] = []
    copied: list[str] = []
    for comp in batch:
        m, w, sl = merge_component(comp, by_wrec, mentions, plain=plain, copied=copied)
        members.extend(m)
        work_rows.extend(w)
        slot_rows.extend(sl)

    def insert() -> None:
        store.insert_rows("work_member", members, MEMBER_SCHEMA)
        store.insert_rows("work", work_rows, WORK_SCHEMA)
        store.insert_rows("slot", slot_rows, SLOT_SCHEMA)
        _copy_plain_slots(store, copied)

    replace_works(store, wrecs, insert)
    return len(wrecs), len(work_rows)


def merge_component(
    comp: list[str],
    by_wrec: dict[str, tuple[Any, ...]],
    mentions: Mapping[str, list[Mention]],
    *,
    plain: set[str] | frozenset[str] = frozenset(),
    copied: list[str] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """One connected component's (work_member, work, slot) rows: its records grouped into papers, each paper's
    props merged and its author mentions unified. `by_wrec`: wrec → (wrec, payload, keys, title_key, year_key,
    the staged w_* columns); both engines call this, so the model is written once.

    A record of `plain` (staged slots exact: work_recs.simple) that comes out alone in its work gets no slot rows
    here: it is appended to `copied`, and the caller copies its staged slots in SQL (what unify_mentions would
    make of its mentions, as for the records copied whole; most records of merged components, at a few dozen
    authors each on synthetic corpora, are such). Without `copied`, every slot is made here."""
    members: list[dict[str, Any]] = []
    work_rows: list[dict[str, Any]] = []
    slot_rows: list[dict[str, Any]] = []
    items = [
        WorkItem(ids=set(by_wrec[w][2] or []), title_key=by_wrec[w][3] or "", year=by_wrec[w][4])
        for w in comp
    ]
    merged: list[tuple[list[str], dict[str, Any]]] = []
    for g in group_works(items):
        ws = sorted(comp[i] for i in g)
        merged.append((ws, _props(ws, by_wrec)))
    # two groups that come out with the same id (papers known by one title only, years apart) are one Work
    by_id: dict[str, list[tuple[list[str], dict[str, Any]]]] = defaultdict(list)
    for ws, props in merged:
        by_id[props["id"]].append((ws, props))
    for parts in by_id.values():
        if len(parts) == 1:
            ws, props = parts[0]
        else:
            ws = sorted(w for part, _ in parts for w in part)
            props = _props(ws, by_wrec)
        wid = props["id"]
        work_rows.append({c: props.get(c) for c in WORK_COLUMNS})
        members.extend({"wrec": w, "work_id": wid} for w in ws)
        if copied is not None and len(ws) == 1 and ws[0] in plain:
            copied.append(ws[0])
            continue
        slot_rows.extend(
            slot_row(wid, s) for s in unify_mentions(wid, {m for w in ws for m in mentions.get(w, ())})
        )
    return members, work_rows, slot_rows


def _props(ws: list[str], by_wrec: dict[str, tuple[Any, ...]]) -> dict[str, Any]:
    """A group's work properties: staged ones for a single record, merged ones for several."""
    if len(ws) == 1:
        row = by_wrec[ws[0]]
        return dict(zip(WORK_COLUMNS, row[5:], strict=True))
    return merge_work_props([WorkRecord.model_validate_json(by_wrec[w][1]) for w in ws])


def slot_row(wid: str, s: identity.Slot) -> dict[str, Any]:
    return {
        "key": s.key,
        "work_id": wid,
        "block": block_key(s.name),
        "name": s.name,
        "name_key": name_key(s.name),
        "position": s.position,
        "mentions": json.dumps(sorted(m.to_json() for m in s.mentions), ensure_ascii=False),
        "institutions": s.institutions,
        "raw_affiliations": s.raw_affiliations,
        "names": s.names,
        "source": s.source,
        "sources": sorted({m.source for m in s.mentions}),
        "strong": sorted({x for m in s.mentions for x in mention_strong(m)}),
    }


def slot_from_row(work_id: str, mentions_json: str, key: str) -> identity.Slot:
    """A stored slot again (its key keeps the suffix that tells apart two authors of one work sharing a name)."""
    slot = identity.Slot(work_id=work_id, mentions=[Mention.from_json(m) for m in json.loads(mentions_json)])
    if key != slot.key:
        slot.suffix = key[len(slot.key) :]
    return slot
