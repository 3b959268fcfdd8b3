"""The write path: canonical records → resolved identities → batched UNWIND … MERGE writes, one transaction a batch.

Each batch is resolved and written inside ONE managed write transaction (the reads the resolver needs included), so
a batch commits whole or not at all and a retry recomputes everything from what is committed. Every write is a
MERGE on a deterministic id computed from the set of things seen, so a load killed half-way and run again, or the
same files loaded in another order, ends with the same graph.
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import neo4j
from neo4j import Driver

from kg import catalog, identity
from kg.config import Settings, get_settings
from kg.db import apply_schema, run_named, translated_errors
from kg.errors import DatabaseUnavailable, QueryError
from kg.identity import (
    Cluster,
    Decision,
    Mention,
    Slot,
    SlotContext,
    WorkItem,
    block_key,
    category_label,
    cluster_block,
    first_refs,
    group_works,
    ids_of_type,
    institution_id,
    mention_from_author,
    merge_work_props,
    name_key,
    rank,
    unify_mentions,
    work_typed_ids,
)
from kg.models import (
    InstitutionRecord,
    InstitutionRef,
    Record,
    Reject,
    ResearcherRecord,
    TopicRecord,
    TopicRef,
    WorkRecord,
)
from kg.normalize import (
    normalize_arxiv,
    normalize_doi,
    normalize_openalex,
    normalize_orcid,
    normalize_ror,
    title_key,
)

log = logging.getLogger(__name__)

LABELS = ("Work", "Researcher", "Institution", "Topic")
# Bounded backoff around one batch when Neo4j is down or restarting (the driver already retries transient errors
# inside a managed transaction; this covers a database that goes away for longer).
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)

# Properties a researcher record (a profile page, an author entity) gives, won by the best-ranked source.
_RESEARCHER_RECORD_FIELDS = (
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


# Full-text matches read per incoming slot of a large block (see kg.identity.probe_query): the best few by shared
# rare evidence; a slot needs at least a shared co-author or institution to link, so a handful is plenty.
CANDIDATE_LIMIT = 25

# Seconds spent per catalogued statement in this process (for `kg load --profile` and the benchmarks).
STATEMENT_SECONDS: defaultdict[str, float] = defaultdict(float)


def new_run_id() -> str:
    return f"run:{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


@dataclass
class BatchResult:
    written: Counter[str] = field(default_factory=Counter)
    works: set[str] = field(default_factory=set)
    works_without_topics: set[str] = field(default_factory=set)
    researchers: set[str] = field(default_factory=set)


# ---- record → rows helpers ------------------------------------------------------------------------------------


def _profile_mention(rec: ResearcherRecord) -> Mention:
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


def _researcher_record_id(rec: ResearcherRecord) -> str:
    rid = identity.researcher_strong_id(
        normalize_orcid(rec.ids.orcid), normalize_openalex(rec.ids.openalex, "A"), rec.ids.profile or None
    )
    if rid:
        return rid
    if rec.ids.s2:
        return f"s2:{rec.ids.s2}"
    # A person described with no id at all: keyed by name and page, like a profile of its own.
    return f"profile:{name_key(rec.name)}@{identity.short_hash(rec.prov.ref, 8)}"


def _researcher_record_strong(rec: ResearcherRecord) -> list[str]:
    out = []
    orcid = normalize_orcid(rec.ids.orcid)
    if orcid:
        out.append(f"orcid:{orcid}")
    oa = normalize_openalex(rec.ids.openalex, "A")
    if oa:
        out.append(f"openalex:{oa}")
    if rec.ids.profile:
        out.append(f"profile:{rec.ids.profile}")
    if rec.ids.s2:
        out.append(f"s2:{rec.ids.s2}")
    return out


def _researcher_record_values(rec: ResearcherRecord) -> dict[str, Any]:
    return {
        "headline": rec.headline,
        "affiliation": rec.affiliation,
        "affiliation_status": rec.affiliation_status if rec.affiliation_status != "unknown" else None,
        "trust_score": rec.trust_score,
        "trust_label": rec.trust_label,
        "verification_level": rec.verification_level,
        "claimed": rec.claimed,
        "open_to_collaborate": rec.open_to_collaborate,
        "followers": rec.reported.followers,
        "reported_works": rec.reported.works,
        "reported_topics": rec.reported.topics,
        "reported_close_collaborators": rec.reported.close_collaborators,
    }


def _institution_row(
    ref: InstitutionRef | InstitutionRecord, source: str, record_ref: str = ""
) -> dict[str, Any] | None:
    iid = institution_id(ref)
    if not iid:
        return None
    return {
        "id": iid,
        "name": (ref.name or "").strip() or None,
        "ror": normalize_ror(ref.ror),
        "openalex_id": normalize_openalex(ref.openalex_id, "I"),
        "country_code": ref.country_code,
        "type": ref.type,
        "source": source,
        "refs": [f"{source}:{record_ref}"] if record_ref else [],
    }


def _topic_row(ref: TopicRef, source: str) -> dict[str, Any]:
    return {
        "id": ref.id,
        "name": ref.name,
        "scheme": ref.scheme,
        "level": ref.level,
        "keywords": [],
        "source": source,
        "authoritative": False,
        "refs": [],
    }


def _arxiv_category_topics(rec: WorkRecord) -> list[TopicRef]:
    """arXiv categories given with their archive ("cs.LG") are arXiv category topics of the work."""
    out = []
    for c in rec.categories:
        if "." in c and c.split(".", 1)[0].isalpha():
            out.append(TopicRef(id=f"arxiv:{c}", name=c, scheme="arxiv", level="category"))
    return out


def _incoming_lock_keys(
    works: Sequence[tuple[WorkRecord, list[Mention]]], profiles: Sequence[ResearcherRecord]
) -> set[str]:
    keys: set[str] = set()
    for w, extra in works:
        keys.update(f"w:{x}" for x in work_typed_ids(w))
        keys.update(f"b:{block_key(a.name)}" for a in w.authors if a.name.strip())
        keys.update(f"b:{block_key(m.name)}" for m in extra)
    keys.update(f"b:{block_key(p.name)}" for p in profiles)
    keys.discard("b:|")
    return keys


def _coauthor_map(names: Iterable[str | None]) -> dict[str, str]:
    """Block key → display name of co-authors; the smallest name of a shared key, whatever order they came in."""
    out: dict[str, str] = {}
    for n in sorted({n for n in names if n}, reverse=True):
        out[block_key(n)] = n
    return out


def _node_lock_keys(rows: Iterable[dict[str, Any]]) -> set[str]:
    keys: set[str] = set()
    for r in rows:
        p = r["props"]
        keys.add(f"w:{r['id']}")
        keys.update(f"w:{x}" for x in p.get("ids") or [])
        if p.get("title_key"):
            keys.add(f"w:{identity.title_id(p['title_key'])}")
    return keys


# ---- the batch ---------------------------------------------------------------------------------------------


class _Tx:
    """Runs catalogued statements inside one managed transaction."""

    def __init__(self, tx: neo4j.ManagedTransaction, run_id: str) -> None:
        self.tx = tx
        self.run_id = run_id
        self.held: set[str] = set()  # lock keys this transaction holds (until it commits or rolls back)

    def lock(self, keys: Iterable[str]) -> bool:
        """Take write locks on keys not yet held, in sorted order; True when any was new (reads may be stale)."""
        new = sorted(set(keys) - self.held)
        if not new:
            return False
        self.write("load/lock", keys=new)
        self.held.update(new)
        return True

    def read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        t0 = time.perf_counter()
        # the rows hold plain values and maps: dict() is all they need (Record.data() walks them again)
        rows = [dict(r) for r in self.tx.run(catalog.query(name), params)]
        STATEMENT_SECONDS[name] += time.perf_counter() - t0
        return rows

    def write(self, name: str, rows: Sequence[Any] | None = None, **params: Any) -> None:
        if rows is not None:
            if not rows:
                return
            params["rows"] = list(rows)
        params.setdefault("run", self.run_id)
        t0 = time.perf_counter()
        self.tx.run(catalog.query(name), params).consume()
        STATEMENT_SECONDS[name] += time.perf_counter() - t0


def _work_keys(recs: Iterable[WorkRecord]) -> dict[str, list[str]]:
    ids: set[str] = set()
    dois: set[str] = set()
    arxivs: set[str] = set()
    oas: set[str] = set()
    tks: set[str] = set()
    for r in recs:
        ids.update(work_typed_ids(r))
        for v, bucket in (
            (normalize_doi(r.ids.doi), dois),
            (normalize_arxiv(r.ids.arxiv), arxivs),
            (normalize_openalex(r.ids.openalex, "W"), oas),
            (title_key(r.title), tks),
        ):
            if v:
                bucket.add(v)
    return {
        "ids": sorted(ids),
        "dois": sorted(dois),
        "arxivs": sorted(arxivs),
        "openalexs": sorted(oas),
        "title_keys": sorted(tks),
        # a Work merged from records with different titles is found by any of them (full-text index work_ids), and
        # so is one by an id that has no property of its own (Semantic Scholar, MAG)
        "title_ids": sorted(
            [f'"{identity.title_id(t)}"' for t in tks]
            + [f'"{x}"' for x in sorted(ids) if x.startswith(("s2:", "mag:"))]
        ),
    }


def resolve_and_write(
    tx: neo4j.ManagedTransaction,
    records: Sequence[Record],
    run_id: str,
    extra_blocks: Sequence[str] = (),
    block_limit: int | None = None,
    allow_append: bool = True,
) -> BatchResult:
    """Resolve a batch's identities against the graph and write it, all inside the caller's transaction.

    A name block with at most `block_limit` researchers (None or negative: any number) is re-clustered whole,
    which makes the result a function of the set of mentions. A larger one is re-clustered over the incoming slots
    and their candidates only (previous holders of the touched works, researchers with the same strong ids, and the
    best full-text matches of each slot's evidence, see kg.identity.probe_query), so a batch reads and writes a
    bounded part of the graph however large the block has grown. A candidate reached only through its strong id,
    whose spellings fit the incoming ones, is not even re-read: the incoming slots are appended to it (see
    _appendable); when the clusters do not come out as that assumes, the batch is resolved again without appending.
    """
    t = _Tx(tx, run_id)
    res = BatchResult()

    # 1. what the batch holds: works (with the profile mention a profile page adds to each of its works)
    works: list[tuple[WorkRecord, list[Mention]]] = []
    profiles: list[ResearcherRecord] = []
    institutions: list[InstitutionRecord] = []
    topics: list[TopicRecord] = []
    for rec in records:
        if isinstance(rec, WorkRecord):
            works.append((rec, []))
        elif isinstance(rec, ResearcherRecord):
            profiles.append(rec)
            pm = _profile_mention(rec)
            for w in rec.works:
                works.append((w, [pm]))
        elif isinstance(rec, InstitutionRecord):
            institutions.append(rec)
        elif isinstance(rec, TopicRecord):
            topics.append(rec)

    # Locks before any read (see cypher/load/lock.cypher): every id and title of the incoming works and the
    # blocking key of every incoming name, so a concurrent load touching the same papers or people waits for
    # this batch to commit and then resolves against it, and the other way round.
    t.lock(_incoming_lock_keys(works, profiles))

    # 2. works: group incoming records with the existing nodes they match (locking every id of each match,
    # then reading again until the set is stable: a node found by its title may carry ids nobody locked yet)
    keys = _work_keys(w for w, _ in works)
    cand_rows = t.read("load/work_candidates", **keys) if works else []
    while cand_rows and t.lock(_node_lock_keys(cand_rows)):
        cand_rows = t.read("load/work_candidates", **keys)
    existing = {r["id"]: r for r in cand_rows}
    items: list[WorkItem] = []
    for w, _ in works:
        items.append(WorkItem(ids=set(work_typed_ids(w)), title_key=title_key(w.title), year=w.year))
    ex_ids = sorted(existing)
    for eid in ex_ids:
        p = existing[eid]["props"]
        items.append(
            WorkItem(
                ids=set(p.get("ids") or []) | {eid},
                title_key=p.get("title_key") or "",
                year=p.get("year"),
                titles=identity.parse_title_years(p.get("title_years") or []),
            )
        )
    n_in = len(works)
    work_rows: list[dict[str, Any]] = []
    rekeys: list[dict[str, str]] = []
    group_of_record: dict[int, str] = {}
    touched_old: dict[str, str] = {}  # every existing id in a touched group → its resolved id
    work_props: dict[str, dict[str, Any]] = {}
    work_topics_existing: dict[str, set[str]] = defaultdict(set)
    for g in group_works(items):
        recs = [works[i][0] for i in g if i < n_in]
        nodes = [existing[ex_ids[i - n_in]]["props"] for i in g if i >= n_in]
        if not recs and len(nodes) < 2:
            continue
        props = merge_work_props(nodes, recs)
        wid = props.pop("id")
        work_props[wid] = props
        work_rows.append({"id": wid, "props": props})
        for i in g:
            if i < n_in:
                group_of_record[i] = wid
            else:
                old = ex_ids[i - n_in]
                touched_old[old] = wid
                work_topics_existing[wid].update(existing[old]["topics"])
                if old != wid:
                    rekeys.append({"old": old, "new": wid})

    # 3. author slots of every touched work, from the mentions stored on it and the incoming ones
    mentions_by_work: dict[str, set[Mention]] = defaultdict(set)
    deleted_pairs: set[tuple[str, str]] = set()
    old_blocks: set[str] = set()
    holder_blocks: set[tuple[str, str]] = set()  # (researcher, block) of the touched works' current authors
    prior_holder: dict[str, str] = {}  # slot key on a touched work → its researcher, as stored
    prior_stored: dict[str, dict[str, Any]] = {}  # … and its AUTHORED edge's properties
    if touched_old:
        for row in t.read("load/work_authorships", ids=sorted(touched_old)):
            wid = touched_old[row["work"]]
            deleted_pairs.add((row["researcher"], row["work"]))
            if row["block"]:
                old_blocks.add(row["block"])
                holder_blocks.add((row["researcher"], row["block"]))
            stored_mentions = [Mention.from_json(mj) for mj in row["mentions"] or []]
            mentions_by_work[wid].update(stored_mentions)
            if stored_mentions and row["work"] == wid:
                key = Slot(work_id=wid, mentions=stored_mentions).key
                prior_holder[key] = row["researcher"]
                prior_stored[key] = row["stored"] or {}
    for i, (w, extra) in enumerate(works):
        wid = group_of_record[i]
        # a source's own author ids (the CSV bundle's author_id) are one namespace per source, not per file:
        # a user's bundles share their ids for the same person
        scope = f"{w.prov.source}:"
        for a in w.authors:
            if a.name.strip():
                mentions_by_work[wid].add(mention_from_author(a, w.prov.source, w.authors_truncated, scope))
        mentions_by_work[wid].update(extra)
    incoming_topics: dict[str, dict[str, tuple[TopicRef, str]]] = defaultdict(dict)
    topic_refs: dict[tuple[str, str], set[str]] = defaultdict(set)  # (work, topic) → records that said so
    for i, (w, _) in enumerate(works):
        wid = group_of_record[i]
        for tr in [*w.topics, *_arxiv_category_topics(w)]:
            topic_refs[(wid, tr.id)].add(f"{w.prov.source}:{w.prov.ref}")
            prev = incoming_topics[wid].get(tr.id)
            if prev is None or (tr.score or 0) > (prev[0].score or 0):
                incoming_topics[wid][tr.id] = (tr, w.prov.source)

    batch_slots: dict[str, list[Slot]] = {}
    for wid in sorted(work_props):
        batch_slots[wid] = unify_mentions(wid, mentions_by_work.get(wid, set()))

    # 4. the blocks to re-cluster: every name on a touched work, and those of its previous authors
    blocks: set[str] = set(extra_blocks) | old_blocks
    for slots in batch_slots.values():
        for s in slots:
            blocks.add(block_key(s.name))
    for p in profiles:
        blocks.add(block_key(p.name))
    decisions_rows = t.read("load/decisions")
    decisions = [_decision(r) for r in decisions_rows]
    # a curated SAME_AS ties its blocks together: re-cluster them as one
    for d_row in decisions_rows:
        dblocks = set(d_row["props"].get("blocks") or [])
        if dblocks & blocks:
            blocks |= dblocks
    blocks.discard("|")
    t.lock(f"b:{b}" for b in blocks)

    slot_refs: dict[str, list[str]] = {}  # slot key → the source records behind it (smallest few)
    batch_contexts: list[SlotContext] = []
    for wid, slots in batch_slots.items():
        props = work_props[wid]
        topic_ids = work_topics_existing.get(wid, set()) | set(incoming_topics.get(wid, {}))
        topics_ctx = {x: x for x in topic_ids}
        topics_ctx.update({f"cat:{category_label(c)}": c for c in props.get("categories") or []})
        for s in slots:
            bctx = SlotContext(
                slot=s,
                work_ids=set(props["ids"]) | {wid},
                coauthors=(
                    _coauthor_map(o.name for o in slots if o is not s)
                    if len(slots) <= identity.IDENTITY_COAUTHOR_CAP
                    else {}
                ),
                topics=topics_ctx,
                venue=props.get("venue"),
                year=props.get("year"),
            )
            batch_contexts.append(bctx)
            slot_refs[bctx.key] = list(props.get("record_refs") or [])

    full_blocks, candidates, strong_only = _candidate_scope(
        t, blocks, block_limit, batch_contexts, holder_blocks, decisions_rows
    )
    append: dict[str, dict[str, Any]] = {}
    if allow_append and not profiles and strong_only:
        by_typed: dict[str, list[tuple[SlotContext, set[str]]]] = defaultdict(list)
        for c in batch_contexts:
            typed = _typed_strong_of_slot(c.slot)
            for x in typed:
                by_typed[x].append((c, typed))
        append = {rid: p for rid, p in strong_only.items() if _appendable(rid, p, by_typed)}
        candidates -= set(append)
    graph_rows = (
        t.read(
            "load/block_slots",
            blocks=sorted(full_blocks),
            ids=sorted(candidates),
            coauthor_cap=identity.IDENTITY_COAUTHOR_CAP,
        )
        if full_blocks or candidates
        else []
    )
    all_touched_work_ids = set(touched_old) | set(work_props)
    contexts: list[SlotContext] = []
    old_holder: dict[str, str] = {}  # slot key → researcher that held it before
    old_stored: dict[str, dict[str, Any]] = {}  # slot key → its AUTHORED edge's properties as stored
    for row in graph_rows:
        if row["work"] in all_touched_work_ids:
            continue  # rebuilt from the batch's slots below
        deleted_pairs.add((row["researcher"], row["work"]))
        stored = row["stored"] or {}
        slot = Slot(
            work_id=row["work"], mentions=[Mention.from_json(m) for m in stored.get("mentions") or []]
        )
        if not slot.mentions:
            continue
        topics_ctx = {x: x for x in row["topics"] or []}
        topics_ctx.update({f"cat:{category_label(c)}": c for c in row["categories"] or []})
        ctx = SlotContext(
            slot=slot,
            work_ids=set(row["work_ids"] or []) | {row["work"]},
            coauthors=_coauthor_map(row["coauthors"] or []),
            topics=topics_ctx,
            venue=row["venue"],
            year=row["year"],
        )
        contexts.append(ctx)
        old_holder[ctx.key] = row["researcher"]
        old_stored[ctx.key] = stored
        slot_refs[ctx.key] = list(stored.get("record_refs") or [])
    contexts.extend(batch_contexts)

    # 5. cluster each block (blocks tied by a curated SAME_AS cluster together)
    by_block: dict[str, list[SlotContext]] = defaultdict(list)
    for c in contexts:
        by_block[block_key(c.slot.name)].append(c)
    block_groups = _tie_blocks(by_block, decisions)
    clusters: list[Cluster] = []
    for bks in block_groups:
        members = [c for b in bks for c in by_block[b]]
        clusters.extend(cluster_block(members, decisions))

    # 6. researcher nodes: existing ones in these blocks or holding these ids, the clusters, the profile pages
    cluster_strong = {
        f"{k}:{v}" for cl in clusters for k, vals in cl.strong.items() if k != "src" for v in vals
    }
    want_ids = sorted(
        set(old_holder.values())
        | candidates
        | {r for r, _ in deleted_pairs}
        | {_researcher_record_id(p) for p in profiles}
        | {c.id for c in clusters}
        | cluster_strong
    )
    researcher_params = {
        "blocks": sorted(full_blocks),
        "ids": want_ids,
        "orcids": sorted(x.split(":", 1)[1] for x in cluster_strong if x.startswith("orcid:")),
        "openalexs": sorted(x.split(":", 1)[1] for x in cluster_strong if x.startswith("openalex:")),
    }
    researcher_rows_read = t.read("load/researchers", **researcher_params)
    # a node found by its ORCID or id may sit in another block: lock that block too and read again
    if t.lock(
        f"b:{r['props'].get('block_key')}" for r in researcher_rows_read if r["props"].get("block_key")
    ):
        researcher_rows_read = t.read("load/researchers", **researcher_params)
    old_nodes = {r["id"]: r["props"] for r in researcher_rows_read}
    # A researcher record (profile page, OpenAlex author) says which strong ids are one person: its cluster
    # takes all of them, whether the record came before or after the authorships.
    alias_groups = [_strong_group_of_record(p) for p in profiles]
    alias_groups += [
        _strong_group_of_node(props) for props in old_nodes.values() if props.get("record_sources")
    ]
    for cl in clusters:
        _apply_aliases(cl, [g for g in alias_groups if g])
    if append and not _appends_hold(append, clusters, {c.key for c in batch_contexts}):
        return resolve_and_write(tx, records, run_id, extra_blocks, block_limit, allow_append=False)

    strong_to_cluster: dict[str, str] = {}
    for cl in sorted(clusters, key=lambda c: c.id):
        for kind, vals in cl.strong.items():
            for v in vals:
                # a source's author id is typed already ("s2:…", "csv:…")
                strong_to_cluster.setdefault(v if kind == "src" else f"{kind}:{v}", cl.id)

    profile_target: dict[int, str] = {}
    for i, p in enumerate(profiles):
        target = next(
            (strong_to_cluster[s] for s in _researcher_record_strong(p) if s in strong_to_cluster), None
        )
        profile_target[i] = target or _researcher_record_id(p)
    cluster_ids = {c.id for c in clusters}
    slot_to_cluster = {m.key: c.id for c in clusters for m in c.members}
    # an old node whose slots all went elsewhere dissolves into the cluster that took most of them
    moved: dict[str, Counter[str]] = defaultdict(Counter)
    for key, holder in old_holder.items():
        moved[holder][slot_to_cluster[key]] += 1
    dissolve: dict[str, str] = {}
    record_nodes = {rid for rid, props in old_nodes.items() if props.get("record_sources")}
    for rid in sorted({r for r, _ in deleted_pairs} | set(old_holder.values()) | record_nodes):
        if rid in cluster_ids or rid not in old_nodes:
            continue
        nprops = old_nodes[rid]
        strong_ids = [
            s
            for s in (
                f"orcid:{nprops['orcid']}" if nprops.get("orcid") else None,
                f"openalex:{nprops['openalex_id']}" if nprops.get("openalex_id") else None,
                f"profile:{nprops['profile_key']}" if nprops.get("profile_key") else None,
            )
            if s
        ]
        target = next((strong_to_cluster[s] for s in strong_ids if s in strong_to_cluster), None)
        if target is None and moved.get(rid):
            target = sorted(moved[rid].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        if target is None and rid.startswith(("name:", "csv:")):
            target = ""  # a name-only node with no slots left: nothing to carry over
        if target is not None:
            dissolve[rid] = target

    # record-level properties (profile fields) per target node: existing, dissolved into it, and incoming
    record_sources: dict[str, list[tuple[int, dict[str, Any], list[str], list[str]]]] = defaultdict(list)
    for rid, oprops in old_nodes.items():
        tgt = dissolve.get(rid, rid)
        if not tgt:
            continue
        ostate = json.loads(oprops.get("merge_state") or "{}")
        ovals = {f: oprops.get(f) for f in _RESEARCHER_RECORD_FIELDS}
        record_sources[tgt].append((-1, {"_state": ostate, **ovals}, oprops.get("record_sources") or [], []))
    for i, p in enumerate(profiles):
        tgt = profile_target[i]
        record_sources[tgt].append(
            (rank(p.prov.source), _researcher_record_values(p), [p.prov.source], [*p.aliases, p.name])
        )

    researcher_rows: list[dict[str, Any]] = []
    authored_rows: list[dict[str, Any]] = []
    affiliation_rows: list[dict[str, Any]] = []
    old_members: dict[str, set[str]] = defaultdict(set)
    for key, holder in [*old_holder.items(), *prior_holder.items()]:
        old_members[holder].add(key)
    appended_links = (
        {
            (r["researcher"], r["institution"]): r
            for r in t.read("load/authorship_affiliations", ids=sorted(append))
        }
        if append
        else {}
    )
    for cl in clusters:
        rprops = _researcher_props(cl, record_sources.get(cl.id, []))
        rprops["record_refs"] = first_refs(
            {r for m in cl.members for r in slot_refs.get(m.key, [])}
            | {f"{p.prov.source}:{p.prov.ref}" for i, p in enumerate(profiles) if profile_target[i] == cl.id}
        )
        if cl.id in append:
            _merge_appended(rprops, append[cl.id], cl)
        # a researcher whose slots, edges and properties come out as stored is not written again (nor are its
        # derived edges recomputed): most of a re-clustered block does not change when a batch adds to it
        changed = old_members.get(cl.id, set()) != {m.key for m in cl.members} or not _unchanged(
            old_nodes.get(cl.id), rprops
        )
        links: dict[str, dict[str, Any]] = {}
        for m in cl.members:
            s = m.slot
            aprops = {
                "position": s.position,
                "raw_name": s.name,
                "names": s.names,
                "source": s.source,
                "sources": sorted({x.source for x in s.mentions}),
                "confidence": cl.slot_confidence[m.key],
                "mentions": sorted(x.to_json() for x in s.mentions),
                "institutions": s.institutions,
                "block_key": block_key(s.name),
                "record_refs": slot_refs.get(m.key, []),
            }
            if (old_holder.get(m.key) or prior_holder.get(m.key)) == cl.id and _unchanged(
                old_stored.get(m.key) or prior_stored.get(m.key), aprops
            ):
                deleted_pairs.discard((cl.id, s.work_id))
            else:
                authored_rows.append({"researcher": cl.id, "work": s.work_id, "props": aprops})
                changed = True
            for inst in s.institutions:
                link = links.setdefault(
                    inst, {"institution": inst, "years": set(), "raw_affiliation": None, "record_refs": []}
                )
                if m.year:
                    link["years"].add(m.year)
                link["record_refs"] = first_refs(set(link["record_refs"]) | set(slot_refs.get(m.key, [])))
                raws = s.raw_affiliations
                if raws and (link["raw_affiliation"] is None or raws[0] < link["raw_affiliation"]):
                    link["raw_affiliation"] = raws[0]
        if not changed:
            continue
        if cl.id in append:
            for (rid, inst), old in appended_links.items():
                if rid != cl.id:
                    continue
                link = links.setdefault(
                    inst, {"institution": inst, "years": set(), "raw_affiliation": None, "record_refs": []}
                )
                link["years"].update(old["years"] or [])
                link["record_refs"] = first_refs(set(link["record_refs"]) | set(old["record_refs"] or []))
                raw = old["raw_affiliation"]
                if raw and (link["raw_affiliation"] is None or raw < link["raw_affiliation"]):
                    link["raw_affiliation"] = raw
        researcher_rows.append({"id": cl.id, "props": rprops})
        affiliation_rows.append(
            {
                "researcher": cl.id,
                "source": "authorships",
                "links": [{**v, "years": sorted(v["years"])} for _, v in sorted(links.items())],
            }
        )
        res.researchers.add(cl.id)
    # profiles whose person has no authorship slot in this batch (a page with no works) still get their node
    for i, p in enumerate(profiles):
        tgt = profile_target[i]
        if tgt in cluster_ids:
            continue
        base = old_nodes.get(tgt, {})
        rprops = _researcher_props(None, record_sources.get(tgt, []), base=base, record=p)
        rprops["record_refs"] = first_refs(
            set(base.get("record_refs") or []) | {f"{p.prov.source}:{p.prov.ref}"}
        )
        researcher_rows.append({"id": tgt, "props": rprops})
        res.researchers.add(tgt)
    profile_aff_rows = []
    inst_rows: dict[str, dict[str, Any]] = {}
    for i, p in enumerate(profiles):
        links_p = []
        for iref in p.institutions:
            irow = _institution_row(iref, p.prov.source, p.prov.ref)
            if irow:
                inst_rows.setdefault(irow["id"], irow)
                links_p.append(
                    {
                        "institution": irow["id"],
                        "years": [],
                        "raw_affiliation": p.affiliation,
                        "record_refs": [f"{p.prov.source}:{p.prov.ref}"],
                    }
                )
        if links_p:
            profile_aff_rows.append(
                {"researcher": profile_target[i], "source": p.prov.source, "links": links_p}
            )

    # 7. institutions and topics the batch mentions
    for w, _ in works:
        for a in w.authors:
            for iref in a.institutions:
                irow = _institution_row(iref, w.prov.source, w.prov.ref)
                if irow:
                    prev_row = inst_rows.setdefault(irow["id"], irow)
                    prev_row["refs"] = first_refs(set(prev_row["refs"]) | set(irow["refs"]))
    for ir in institutions:
        irow = _institution_row(ir, ir.prov.source, ir.prov.ref)
        if irow:
            inst_rows[irow["id"]] = irow
    topic_rows: dict[str, dict[str, Any]] = {}
    parent_rows: list[dict[str, Any]] = []
    work_topic_rows: list[dict[str, Any]] = []
    for wid, tmap in sorted(incoming_topics.items()):
        for tid, (tr, src) in sorted(tmap.items()):
            refs = first_refs(topic_refs[(wid, tid)])
            trow = topic_rows.setdefault(tid, _topic_row(tr, src))
            trow["refs"] = first_refs(set(trow["refs"]) | set(refs))
            work_topic_rows.append(
                {"work": wid, "topic": tid, "score": tr.score, "source": src, "refs": refs}
            )
    for tr_rec in topics:
        topic_rows[tr_rec.id] = {
            "id": tr_rec.id,
            "name": tr_rec.name,
            "scheme": "openalex",
            "level": "topic",
            "keywords": list(tr_rec.keywords),
            "source": tr_rec.prov.source,
            "authoritative": True,
            "refs": [f"{tr_rec.prov.source}:{tr_rec.prov.ref}"],
        }
        chain = [tr_rec.id]
        for tref in (tr_rec.subfield, tr_rec.field, tr_rec.domain):
            if tref is not None:
                prow = topic_rows.setdefault(tref.id, _topic_row(tref, tr_rec.prov.source))
                prow["refs"] = first_refs(set(prow["refs"]) | {f"{tr_rec.prov.source}:{tr_rec.prov.ref}"})
                chain.append(tref.id)
        for child, parent in itertools.pairwise(chain):
            parent_rows.append(
                {
                    "child": child,
                    "parent": parent,
                    "source": tr_rec.prov.source,
                    "refs": [f"{tr_rec.prov.source}:{tr_rec.prov.ref}"],
                }
            )

    # 8. the writes, nodes before relationships
    t.write("load/rekey_works", rekeys)
    t.write("load/upsert_works", work_rows)
    t.write("load/upsert_topics", sorted(topic_rows.values(), key=lambda r: r["id"]))
    t.write("load/topic_parents", parent_rows)
    t.write("load/work_topics", work_topic_rows)
    t.write("load/upsert_institutions", sorted(inst_rows.values(), key=lambda r: r["id"]))
    t.write("load/delete_authored", [{"researcher": r, "work": w} for r, w in sorted(deleted_pairs)])
    t.write("load/dissolve_researchers", ids=sorted(dissolve))
    t.write("load/upsert_researchers", researcher_rows)
    t.write("load/authored", authored_rows)
    t.write("load/affiliations", affiliation_rows)
    t.write("load/affiliations", profile_aff_rows)
    cites = [
        {"id": wid, **_references_by_kind(p.get("references") or []), "refs": p.get("record_refs") or []}
        for wid, p in sorted(work_props.items())
        if p.get("references")
    ]
    t.write("load/cites", cites)
    # stored references are typed ids ("doi:…", "s2:…"); those stored before they were typed are bare "W…"
    targets = {x: wid for wid, p in sorted(work_props.items()) for x in p.get("ids") or []}
    targets.update(
        {
            oa: wid
            for wid, p in sorted(work_props.items())
            for oa in ids_of_type(p.get("ids") or [], "openalex")
        }
    )
    if targets:
        t.write("load/cites_reverse", targets=targets)
    _reattach_decisions(t, decisions_rows, clusters)

    res.written["Work"] += len(work_rows)
    res.written["Researcher"] += len(researcher_rows)
    res.written["Institution"] += len(inst_rows)
    res.written["Topic"] += len(topic_rows)
    res.works.update(work_props)
    res.works_without_topics.update(
        w for w in work_props if not incoming_topics.get(w) and not work_topics_existing.get(w)
    )
    res.researchers.update(t for t in dissolve.values() if t)
    return res


def _references_by_kind(references: Iterable[str]) -> dict[str, list[str]]:
    """A work's typed references split by the property each kind of id is indexed under (cypher/load/cites)."""
    out: dict[str, list[str]] = {"dois": [], "arxivs": [], "openalexs": [], "s2s": [], "title_ids": []}
    for ref in references:
        kind, _, value = ref.partition(":")
        if kind == "title":  # quoted: one token of the full-text index work_ids
            out["title_ids"].append(f'"{ref}"')
            continue
        key = {"doi": "dois", "arxiv": "arxivs", "openalex": "openalexs", "s2": "s2s"}.get(kind)
        if key and value:
            out[key].append(value)
    return out


def _unchanged(stored: dict[str, Any] | None, props: dict[str, Any]) -> bool:
    """Whether `SET x += props` would leave these stored properties as they are (a null removes a property)."""
    if stored is None:
        return False
    return all(stored.get(k) == v for k, v in props.items())


def _candidate_scope(
    t: _Tx,
    blocks: set[str],
    block_limit: int | None,
    batch_contexts: Sequence[SlotContext],
    holder_blocks: set[tuple[str, str]],
    decisions_rows: Sequence[dict[str, Any]],
) -> tuple[set[str], set[str], dict[str, dict[str, Any]]]:
    """The blocks to re-cluster whole, the researchers to re-cluster from the blocks too large for that, and (by
    their stored properties) those of them reached only through a strong id of an incoming slot."""
    if block_limit is None or block_limit < 0 or not blocks:
        return set(blocks), set(), {}
    big = {
        r["block"]
        for r in t.read("load/block_sizes", blocks=sorted(blocks))
        if r["researchers"] > block_limit
    }
    if not big:
        return set(blocks), set(), {}
    candidates = {rid for rid, b in holder_blocks if b in big}
    # curated decisions are few: their researchers always take part
    candidates.update(x for row in decisions_rows for x in (row["a"], row["b"]))
    in_big = [c for c in batch_contexts if block_key(c.slot.name) in big]
    strong = {f"{k}:{v}" for c in in_big for k in ("orcid", "openalex", "profile") for v in c.slot.strong(k)}
    strong |= {v for c in in_big for v in c.slot.strong("src")}
    if strong:
        rows = t.read(
            "load/researchers",
            blocks=[],
            ids=sorted(strong),
            orcids=sorted(x.split(":", 1)[1] for x in strong if x.startswith("orcid:")),
            openalexs=sorted(x.split(":", 1)[1] for x in strong if x.startswith("openalex:")),
        )
        by_strong = {r["id"]: r["props"] for r in rows if r["props"].get("block_key") in big}
    else:
        by_strong = {}
    # a researcher may hold an incoming strong id without it being its own id (a slot that carried two ids joined
    # them): it is a candidate, re-read and re-clustered, unless that id is its own and it was found above
    holder_probes = {
        (block_key(c.slot.name), x): {"block": block_key(c.slot.name), "id": x, "query": identity.id_token(x)}
        for c in in_big
        for x in _typed_strong_of_slot(c.slot)
    }
    if holder_probes:
        for r in t.read(
            "load/id_holders", probes=[holder_probes[k] for k in sorted(holder_probes)], limit=CANDIDATE_LIMIT
        ):
            if r["held"] not in _typed_strong_of_node(r["id"], r):
                candidates.add(r["id"])
    probes = {}
    for c in in_big:
        q = identity.probe_query(c)
        if q:
            probes[(block_key(c.slot.name), q)] = {"block": block_key(c.slot.name), "query": q}
    if probes:
        rows = t.read(
            "load/block_candidates", probes=[probes[k] for k in sorted(probes)], limit=CANDIDATE_LIMIT
        )
        candidates.update(r["id"] for r in rows)
    strong_only = {rid: p for rid, p in by_strong.items() if rid not in candidates}
    return set(blocks) - big, candidates | set(by_strong), strong_only


def _typed_strong_of_node(rid: str, props: dict[str, Any]) -> set[str]:
    out = {rid}
    for kind, prop in (("orcid", "orcid"), ("openalex", "openalex_id"), ("profile", "profile_key")):
        if props.get(prop):
            out.add(f"{kind}:{props[prop]}")
    return out


def _typed_strong_of_slot(slot: Slot) -> set[str]:
    return identity.typed_strong_ids({k: slot.strong(k) for k in ("orcid", "openalex", "profile", "src")})


def _appendable(
    rid: str, props: dict[str, Any], by_typed: dict[str, list[tuple[SlotContext, set[str]]]]
) -> bool:
    """Whether the incoming slots carrying this researcher's strong ids (by_typed: typed strong id → the incoming
    slots holding it, with all their typed ids) can be appended to it without re-reading its slots: each has no
    strong id the researcher lacks (its id cannot change) and a spelling that fits every spelling the researcher
    is known by (re-clustering could not split them off)."""
    # Only a researcher made of strong slots joined by their ids alone: a weak slot's confidence and a link's
    # evidence depend on every slot around them, which appending does not read.
    if props.get("weak_mentions") != 0 or any(
        map(identity.is_link_reason, props.get("identity_evidence") or [])
    ):
        return False
    flat = props.get("identity_method") in identity.FLAT_CONFIDENCE_METHODS
    mine = _typed_strong_of_node(rid, props)
    spellings = [x for x in [props.get("name") or "", *(props.get("aliases") or [])] if x]
    hit = False
    for c, theirs in (pair for x in sorted(mine) for pair in by_typed.get(x, [])):
        hit = True
        if not theirs <= mine:
            return False
        # the mean of the slots' confidences stays what it is only if every new slot has that confidence
        if not flat and identity.strong_slot_confidence(c.slot) != props.get("identity_confidence"):
            return False
        if not all(identity.given_compatible(n, x) for n in c.slot.names for x in spellings):
            return False
    return hit


def _appends_hold(
    append: dict[str, dict[str, Any]], clusters: Sequence[Cluster], batch_keys: set[str]
) -> bool:
    """Every appended-to researcher is exactly one cluster of the batch, under its own id, made of incoming slots
    that each carry a strong id (no stored slot of another researcher, no weak slot joined it)."""
    by_typed: dict[str, set[int]] = defaultdict(set)
    for i, cl in enumerate(clusters):
        for k, vs in cl.strong.items():
            for v in vs:
                by_typed[v if k == "src" else f"{k}:{v}"].add(i)
    for rid, props in append.items():
        holding = {i for x in _typed_strong_of_node(rid, props) for i in by_typed.get(x, ())}
        if len(holding) != 1:
            return False
        cl = clusters[holding.pop()]
        if (
            cl.id != rid
            or identity.weak_count(cl.members)
            or any(m.key not in batch_keys for m in cl.members)
        ):
            return False
    return True


def _merge_appended(rprops: dict[str, Any], old: dict[str, Any], cl: Cluster) -> None:
    """A researcher's properties when the batch's slots are appended to its stored ones (which were not read)."""
    new_names = {n for m in cl.members for n in m.slot.names}
    counts: dict[str, int] = json.loads(old.get("name_counts") or "{}")
    if not counts and old.get("name"):
        counts = {old["name"]: int(old.get("mention_count") or 1)}
    for spelling, n in identity.spelling_counts(cl.members).items():
        counts[spelling] = counts.get(spelling, 0) + n
    # a profile's own spelling names its researcher; otherwise the most used one, as when clustered whole
    name = old["name"] if old.get("profile_key") and old.get("name") else identity.name_from_counts(counts)
    tokens = set((old.get("identity_keys") or "").split())
    tokens.update(t for m in cl.members for t in identity.slot_tokens(m))
    # as if clustered whole: never "only mention" (the researcher now has at least two slots)
    evidence = identity.merged_evidence([*(old.get("identity_evidence") or []), *rprops["identity_evidence"]])
    rprops.update(
        {
            "name": name,
            "name_key": identity.name_key(name),
            "block_key": identity.block_key(name),
            "name_counts": json.dumps(counts, sort_keys=True, ensure_ascii=False),
            "aliases": sorted(
                (set(old.get("aliases") or []) | {old.get("name") or name} | new_names) - {name}
            ),
            "orcid": old.get("orcid"),
            "openalex_id": old.get("openalex_id"),
            "profile_key": old.get("profile_key"),
            "identity_method": old.get("identity_method") or rprops["identity_method"],
            "identity_confidence": old.get("identity_confidence", rprops["identity_confidence"]),
            "identity_evidence": evidence[:20],
            "sources": sorted(set(old.get("sources") or []) | set(rprops["sources"])),
            "mention_count": int(old.get("mention_count") or 0) + len(cl.members),
            "weak_mentions": 0,
            "identity_keys": " ".join(sorted(tokens)),
            "record_refs": first_refs(set(old.get("record_refs") or []) | set(rprops["record_refs"])),
        }
    )


def _strong_group_of_record(rec: ResearcherRecord) -> dict[str, set[str]]:
    g: dict[str, set[str]] = {}
    for x in _researcher_record_strong(rec):
        k, v = x.split(":", 1)
        if k == "s2":  # a source's author id is kept typed, under the "src" kind (see kg.identity.Mention)
            g.setdefault("src", set()).add(x)
        else:
            g.setdefault(k, set()).add(v)
    return g


def _strong_group_of_node(props: dict[str, Any]) -> dict[str, set[str]]:
    g: dict[str, set[str]] = {}
    for k, prop in (("orcid", "orcid"), ("openalex", "openalex_id"), ("profile", "profile_key")):
        if props.get(prop):
            g[k] = {props[prop]}
    return g


def _apply_aliases(cl: Cluster, groups: Sequence[dict[str, set[str]]]) -> None:
    """Give a cluster every strong id a researcher record ties to one it has, then re-derive its id."""
    changed = True
    while changed:
        changed = False
        for g in groups:
            if not any(v in cl.strong.get(k, []) for k, vs in g.items() for v in vs):
                continue
            for k, vs in g.items():
                cur = set(cl.strong.get(k, []))
                if cur and not (cur & vs):
                    continue  # the record disagrees with the authorships: never join two ORCIDs
                if not vs <= cur:
                    cl.strong[k] = sorted(cur | vs)
                    changed = True
    for kind in ("orcid", "openalex", "profile"):
        if cl.strong.get(kind):
            new_id = f"{kind}:{cl.strong[kind][0]}"
            if new_id != cl.id:
                cl.id = new_id
                if cl.method != "curated":
                    cl.method = kind
                    cl.confidence = 1.0 if kind in ("orcid", "openalex") else cl.confidence
            break


def _decision(row: dict[str, Any]) -> Decision:
    p = row["props"]
    return Decision(
        id=p.get("decision") or "",
        kind=row["kind"],
        anchors_a=frozenset(p.get("anchors_a") or []),
        anchors_b=frozenset(p.get("anchors_b") or []),
        by=p.get("by") or "",
        at=str(p.get("at") or ""),
        why=p.get("why") or "",
        claim=p.get("claim"),
    )


def _tie_blocks(by_block: dict[str, list[SlotContext]], decisions: Sequence[Decision]) -> list[list[str]]:
    parent = {b: b for b in by_block}

    def find(b: str) -> str:
        while parent[b] != b:
            b = parent[b]
        return b

    anchor_block: dict[str, set[str]] = defaultdict(set)
    for b, ctxs in by_block.items():
        for c in ctxs:
            for a in c.anchors:
                anchor_block[a].add(b)
    for d in decisions:
        if d.kind != "SAME_AS":
            continue
        bs = sorted({b for a in d.anchors_a | d.anchors_b for b in anchor_block.get(a, set())})
        for b in bs[1:]:
            ra, rb = find(bs[0]), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for b in sorted(by_block):
        groups[find(b)].append(b)
    return [groups[k] for k in sorted(groups)]


def _researcher_props(
    cl: Cluster | None,
    records: list[tuple[int, dict[str, Any], list[str], list[str]]],
    *,
    base: dict[str, Any] | None = None,
    record: ResearcherRecord | None = None,
) -> dict[str, Any]:
    """A researcher's properties: identity from its cluster, profile fields won by the best-ranked source."""
    cands: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    rec_sources: set[str] = set()
    rec_names: set[str] = set()
    for r, vals, srcs, names in records:
        state = vals.get("_state") or {}
        rec_sources.update(srcs)
        rec_names.update(n for n in names if n)
        for f in _RESEARCHER_RECORD_FIELDS:
            v = vals.get(f)
            if f == "affiliation_status" and v == "unknown":
                v = None  # the default, not something a source said
            if v is not None:
                cands[f].append((int(state.get(f, 0)) if r < 0 else r, v))
    props: dict[str, Any] = {}
    won: dict[str, int] = {}
    for f in _RESEARCHER_RECORD_FIELDS:
        if cands[f]:
            rk, v = max(cands[f], key=lambda c: (c[0], json.dumps(c[1], sort_keys=True)))
            props[f] = v
            won[f] = rk
        else:
            props[f] = None
    props["merge_state"] = json.dumps(won, sort_keys=True)
    props["record_sources"] = sorted(rec_sources)
    if props.get("affiliation_status") is None:
        props["affiliation_status"] = "unknown"
    if cl is not None:
        all_names = {n for m in cl.members for n in m.slot.names} | rec_names
        props.update(
            {
                "name": cl.name,
                "name_key": name_key(cl.name),
                "block_key": block_key(cl.name),
                "aliases": sorted(all_names - {cl.name}),
                "orcid": _first(cl.strong.get("orcid")),
                "openalex_id": _first(cl.strong.get("openalex")),
                "profile_key": _first(cl.strong.get("profile")),
                "identity_method": cl.method,
                "identity_confidence": cl.confidence,
                "identity_evidence": cl.evidence,
                "sources": sorted({m.source for c in cl.members for m in c.slot.mentions} | rec_sources),
                "mention_count": len(cl.members),
                "weak_mentions": identity.weak_count(cl.members),
                "name_counts": json.dumps(
                    identity.spelling_counts(cl.members), sort_keys=True, ensure_ascii=False
                ),
                "identity_keys": identity.identity_keys(cl.members, cl.strong),
            }
        )
    else:
        b = base or {}
        assert record is not None
        name = record.name.strip()
        props.update(
            {
                "name": name,
                "name_key": name_key(name),
                "block_key": block_key(name),
                "aliases": sorted(set(b.get("aliases") or []) | (rec_names - {name})),
                "orcid": normalize_orcid(record.ids.orcid) or b.get("orcid"),
                "openalex_id": normalize_openalex(record.ids.openalex, "A") or b.get("openalex_id"),
                "profile_key": record.ids.profile or b.get("profile_key"),
                "identity_method": "orcid"
                if record.ids.orcid
                else "openalex"
                if record.ids.openalex
                else "profile",
                "identity_confidence": 1.0,
                "identity_evidence": [f"{record.prov.source} record {record.prov.ref}"],
                "sources": sorted(set(b.get("sources") or []) | rec_sources),
                "mention_count": int(b.get("mention_count") or 0),
                # unknown on a node written before this property existed: never appended to (see _appendable)
                "weak_mentions": b.get("weak_mentions") if b.get("mention_count") else 0,
            }
        )
    return props


def _first(vals: list[str] | None) -> str | None:
    return vals[0] if vals else None


def _holder(anchors: frozenset[str], clusters: Sequence[Cluster]) -> str | None:
    counts: Counter[str] = Counter()
    for cl in clusters:
        for m in cl.members:
            if m.anchors & anchors:
                counts[cl.id] += 1
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _reattach_decisions(t: _Tx, rows: Sequence[dict[str, Any]], clusters: Sequence[Cluster]) -> None:
    """Curated decisions follow their anchors to whichever researchers hold them after this batch."""
    redo: list[str] = []
    same: list[dict[str, Any]] = []
    different: list[dict[str, Any]] = []
    for row in rows:
        p = row["props"]
        a = _holder(frozenset(p.get("anchors_a") or []), clusters)
        b = _holder(frozenset(p.get("anchors_b") or []), clusters)
        if p.get("claim"):
            b = b or (p["claim"] if any(c.id == p["claim"] for c in clusters) else None)
        if a is None and b is None:
            continue
        a = a or row["a"]
        b = b or row["b"]
        if (a, b) == (row["a"], row["b"]):
            continue
        redo.append(p["decision"])
        (same if row["kind"] == "SAME_AS" else different).append({"a": a, "b": b, "props": p})
    if redo:
        t.write("load/delete_decisions", ids=redo)
        t.write("load/same_as", same)
        t.write("load/not_same_as", different)


# ---- the load loop ------------------------------------------------------------------------------------------


@dataclass
class LoadSummary:
    run_id: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    failed_files: list[str] = field(default_factory=list)
    written: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    rejects_file: str | None = None
    sources: set[str] = field(default_factory=set)
    hooks: dict[str, str] = field(default_factory=dict)
    derived_seconds: float = 0.0  # of `seconds`, spent on topics and co-authors after the writes

    @property
    def records_per_second(self) -> float:
        """Records read per second of the whole load, derived steps included."""
        return self.read / self.seconds if self.seconds > 0 else 0.0

    @property
    def write_records_per_second(self) -> float:
        """Records read per second of parsing, resolving and writing (derived steps excluded)."""
        t = self.seconds - self.derived_seconds
        return self.read / t if t > 0 else 0.0

    @property
    def exit_code(self) -> int:
        if self.loaded == 0:
            return 1
        return 3 if self.rejected or self.failed_files else 0


class RejectSink:
    """Rejects as JSON lines, the file created only when the first reject arrives."""

    def __init__(self, path: str, on_reject: Callable[[Reject], None] | None = None) -> None:
        self.path = path
        self.count = 0
        self._fh: Any = None
        self.on_reject = on_reject

    def add(self, rej: Reject) -> None:
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        row = {"file": rej.file, "line": rej.line, "offset": rej.offset, "reason": rej.reason, "raw": rej.raw}
        self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._fh.flush()
        self.count += 1
        if self.on_reject:
            self.on_reject(rej)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


_LOCK_SCHEMA_DONE: set[tuple[int, str]] = set()


def ensure_lock_schema(driver: Driver, settings: Settings | None = None) -> None:
    """The _Lock uniqueness constraint the batch locks rely on (once per driver and database)."""
    s = settings or get_settings()
    key = (id(driver), s.neo4j_database)
    if key in _LOCK_SCHEMA_DONE:
        return
    # creating a uniqueness constraint returns once its index is online
    run_named(driver, "load/lock_constraint", write=True, settings=s)
    _LOCK_SCHEMA_DONE.add(key)


def write_batch(
    driver: Driver,
    records: Sequence[Record],
    run_id: str,
    *,
    settings: Settings | None = None,
    extra_blocks: Sequence[str] = (),
    sleep: Callable[[float], None] = time.sleep,
) -> BatchResult:
    """One batch in one managed write transaction, with a bounded backoff while Neo4j is unavailable."""
    s = settings or get_settings()
    delays = list(RETRY_DELAYS)
    while True:
        try:
            ensure_lock_schema(driver, s)
            with (
                translated_errors(),
                driver.session(database=s.neo4j_database, notifications_min_severity="OFF") as session,
            ):
                return session.execute_write(
                    resolve_and_write, list(records), run_id, list(extra_blocks), s.identity_block_limit
                )
        except DatabaseUnavailable as e:
            if not delays:
                raise DatabaseUnavailable(f"{e} (gave up after {len(RETRY_DELAYS)} retries)") from e
            d = delays.pop(0)
            log.warning("Neo4j unavailable, retrying the batch in %.0fs: %s", d, e)
            sleep(d)


def write_adaptive(
    driver: Driver, records: Sequence[Record], run_id: str, *, settings: Settings | None = None
) -> BatchResult:
    """write_batch, halving a batch that outgrows the server's transaction timeout (each half still commits
    whole or not at all, and MERGE makes the split invisible in the result)."""
    try:
        return write_batch(driver, records, run_id, settings=settings)
    except QueryError as e:
        if "TransactionTimedOut" not in str(e) or len(records) < 2:
            raise
        log.warning("a batch of %d records timed out; writing it in two halves", len(records))
        half = len(records) // 2
        first = write_adaptive(driver, records[:half], run_id, settings=settings)
        second = write_adaptive(driver, records[half:], run_id, settings=settings)
        first.written.update(second.written)
        first.works |= second.works
        first.works_without_topics |= second.works_without_topics
        first.researchers |= second.researchers
        return first


def _batches(items: Iterable[Record], size: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for it in items:
        batch.append(it)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def known_names(driver: Driver, settings: Settings | None = None) -> set[str]:
    return {r["name"] for r in run_named(driver, "load/known_names", settings=settings)}


def run_hooks(
    driver: Driver,
    work_ids: Sequence[str],
    researcher_ids: Sequence[str],
    works_without_topics: Sequence[str],
) -> dict[str, str]:
    """Derived data other modules own: topics for works without source topics, topic profiles, COAUTHOR edges."""
    out: dict[str, str] = {}
    try:
        from kg import topics as topics_mod  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        out["topics"] = "kg.topics is missing: topics not assigned"
    else:
        # kg.topics picks, among these, the works with no source (OpenAlex) topic
        if work_ids and hasattr(topics_mod, "assign_for_works"):
            topics_mod.assign_for_works(driver, list(work_ids))
        if researcher_ids and hasattr(topics_mod, "refresh_researcher_topics"):
            topics_mod.refresh_researcher_topics(driver, list(researcher_ids))
        out["topics"] = "ok"
    try:
        from kg import coauthors as coauthors_mod
    except ImportError:
        out["coauthors"] = "kg.coauthors is missing: COAUTHOR not updated"
    else:
        if researcher_ids:
            coauthors_mod.update_for(driver, list(researcher_ids))
        out["coauthors"] = "ok"
    return out


def load(
    driver: Driver,
    sources: Iterable[tuple[str, Iterable[Record | Reject]]],
    *,
    run_id: str | None = None,
    batch_size: int | None = None,
    rejects_path: str | None = None,
    settings: Settings | None = None,
    on_progress: Callable[[LoadSummary, str], None] | None = None,
    on_reject: Callable[[Reject], None] | None = None,
    on_file_error: Callable[[str, str], None] | None = None,
    hooks: bool = True,
    hook_flush: int = 50_000,
    paths: Sequence[str] = (),
) -> LoadSummary:
    """Stream (path, records) pairs into the graph in bounded batches and return what happened.

    A source whose iterator raises an InputError (a file that cannot be read) is named through on_file_error and
    the others still load.
    """
    from kg.errors import InputError

    s = settings or get_settings()
    size = batch_size or s.batch_size
    rid = run_id or new_run_id()
    summary = LoadSummary(run_id=rid, rejects_file=rejects_path or f"rejects-{rid.split(':', 1)[1]}.jsonl")
    sink = RejectSink(summary.rejects_file or "rejects.jsonl", on_reject)
    t0 = time.monotonic()
    apply_schema(driver, s)
    run_named(
        driver,
        "load/loadrun_start",
        {"id": rid, "paths": list(paths), "rejects_file": summary.rejects_file},
        write=True,
        settings=s,
    )
    touched_works: set[str] = set()
    touched_researchers: set[str] = set()
    no_topics: set[str] = set()

    def flush_hooks() -> None:
        if hooks and (touched_works or touched_researchers):
            h0 = time.monotonic()
            summary.hooks = run_hooks(
                driver, sorted(touched_works), sorted(touched_researchers), sorted(no_topics)
            )
            summary.derived_seconds += time.monotonic() - h0
        touched_works.clear()
        touched_researchers.clear()
        no_topics.clear()

    def records_of(path: str, items: Iterable[Record | Reject]) -> Iterator[Record]:
        try:
            for it in items:
                summary.read += 1
                if isinstance(it, Reject):
                    summary.rejected += 1
                    sink.add(it)
                    continue
                summary.sources.add(it.prov.source)
                yield it
        except InputError as e:
            summary.failed_files.append(path)
            if on_file_error:
                on_file_error(path, str(e))

    current = [""]

    def all_records() -> Iterator[Record]:
        for path, items in sources:
            current[0] = path
            yield from records_of(path, items)

    status = "failed"
    try:
        # batches span files: many small files cost no more round trips than one big one
        for batch in _batches(all_records(), size):
            res = write_adaptive(driver, batch, rid, settings=s)
            summary.loaded += len(batch)
            summary.written.update(res.written)
            touched_works.update(res.works)
            touched_researchers.update(res.researchers)
            no_topics.update(res.works_without_topics)
            summary.seconds = time.monotonic() - t0
            if on_progress:
                on_progress(summary, current[0])
            if len(touched_works) + len(touched_researchers) >= hook_flush:
                flush_hooks()
        flush_hooks()
        status = "finished"
    finally:
        sink.close()
        summary.seconds = time.monotonic() - t0
        finish = {
            "status": status,
            "source": ",".join(sorted(summary.sources)),
            "read": summary.read,
            "loaded": summary.loaded,
            "rejected": summary.rejected,
            "failed_files": summary.failed_files,
            "rejects_file": summary.rejects_file if sink.count else None,
            "counts": json.dumps(dict(sorted(summary.written.items()))),
            **{f"count_{label.lower()}": summary.written.get(label, 0) for label in LABELS},
            "seconds": round(summary.seconds, 3),
            "derived_seconds": round(summary.derived_seconds, 3),
        }
        try:
            run_named(driver, "load/loadrun_finish", {"id": rid, "props": finish}, write=True, settings=s)
        except Exception:  # the run's own record must not hide the error that stopped the load
            log.warning("could not record the end of load run %s", rid)
    if not sink.count:
        summary.rejects_file = None
    return summary
