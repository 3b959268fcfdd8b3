"""Resolve researchers: cluster every author slot of a pending block with every other slot of that block.

A block is a blocking key (kg.identity.block_key); blocks tied by a curated SAME_AS form one group and are
clustered together. For each pending group the whole group is read from the stage and clustered by
kg.identity.cluster_block (a function of the set of slots and decisions), so the clusters of a block do not depend
on which load brought which mention. Researcher records (profile pages, author entities) then give clusters the
strong ids they tie together and the fields they state; a researcher's row is built from every cluster that ends
under its id and every record that describes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from kg import identity
from kg.identity import Cluster, Decision, SlotContext, category_label, cluster_block, first_refs
from kg.identity.context import bare_openalex
from kg.models import ResearcherRecord
from kg.resolve import rows as rowmod
from kg.resolve.simple_groups import READ_ONCE_FROM_PARTS, cluster_simple, simple_groups, simple_slots_once
from kg.resolve.tables import COAUTHOR_BUILT, GRAPH_BUILT, NODE_TABLES
from kg.resolve.works import slot_from_row
from kg.stage.store import StageStore, drop_temp

# Slots read from the stage per batch while streaming the pending groups.
READ_BATCH = 50_000
# Groups clustered per transaction (by the model; groups decided by strong ids alone, in SQL).
GROUPS_PER_TX = 20_000
SIMPLE_GROUPS_PER_TX = 500_000

_S = pa.string()
_LS = pa.list_(pa.string())
CLUSTER_SCHEMA = pa.schema(
    [
        ("key", _S),
        ("grp", _S),
        ("id", _S),
        ("name", _S),
        ("name_key", _S),
        ("block_key", _S),
        ("method", _S),
        ("confidence", pa.float64()),
        ("evidence", _LS),
        ("strong", _LS),
        ("members", pa.int32()),
        ("names", _LS),
        ("sources", _LS),
        ("refs", _LS),
    ]
)
CLUSTER_SLOT_SCHEMA = pa.schema(
    [
        ("slot_key", _S),
        ("work_id", _S),
        ("cluster", _S),
        ("researcher", _S),
        ("confidence", pa.float64()),
        ("grp", _S),
    ]
)
# The Researcher table's columns (the resolved tables' contract, kg.resolve.tables), id first
RESEARCHER_COLUMNS = ("id", *NODE_TABLES["Researcher"][1])
RESEARCHER_SCHEMA = pa.schema(
    [
        ("id", _S),
        ("name", _S),
        ("name_key", _S),
        ("block_key", _S),
        ("aliases", _LS),
        ("orcid", _S),
        ("openalex_id", _S),
        ("profile_key", _S),
        ("headline", _S),
        ("affiliation", _S),
        ("affiliation_status", _S),
        ("trust_score", pa.int64()),
        ("trust_label", _S),
        ("verification_level", _S),
        ("claimed", pa.bool_()),
        ("open_to_collaborate", pa.bool_()),
        ("followers", pa.int64()),
        ("reported_works", pa.int64()),
        ("reported_topics", pa.int64()),
        ("reported_close_collaborators", pa.int64()),
        ("identity_method", _S),
        ("identity_confidence", pa.float64()),
        ("identity_evidence", _LS),
        ("sources", _LS),
        ("mention_count", pa.int32()),
        ("record_refs", _LS),
        ("big_team_works", pa.int32()),
    ]
)


@dataclass
class ResearchersReport:
    groups: int = 0
    simple_groups: int = 0  # decided by their strong ids alone, in SQL
    slots: int = 0
    clusters: int = 0
    researchers: int = 0


@dataclass
class GroupKnowledge:
    """What clustering a group needs besides its slots: the curated decisions on its blocks and the researcher
    records' strong-id groups."""

    decisions_by_block: dict[str, list[Decision]]
    aliases: _AliasIndex


# (store, groups, knowledge, progress(groups done)) → slots clustered: the modelled groups' cluster and
# cluster_slot rows replaced in the store
ClusterGroups = Callable[[StageStore, list[str], GroupKnowledge, Callable[[int], None]], int]


def cluster_group(
    grp: str, ctxs: list[SlotContext], refs: dict[str, list[str]], knowledge: GroupKnowledge
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One block group's (cluster, cluster_slot) rows by the model (kg.identity.cluster_block); both engines
    call this, so the model is written once."""
    decs = _unique(knowledge.decisions_by_block.get(grp, []))
    cluster_rows: list[dict[str, Any]] = []
    slot_rows: list[dict[str, Any]] = []
    for cl in cluster_block(ctxs, decs):
        rowmod.apply_aliases(cl, knowledge.aliases.relevant(cl))
        cluster_rows.append(_cluster_row(grp, cl, refs))
        key = cluster_rows[-1]["key"]
        for m in cl.members:
            slot_rows.append(
                {
                    "slot_key": m.key,
                    "work_id": m.slot.work_id,
                    "cluster": key,
                    "researcher": cl.id,
                    "confidence": cl.slot_confidence[m.key],
                    "grp": grp,
                }
            )
    return cluster_rows, slot_rows


def cluster_groups_here(
    store: StageStore, groups: list[str], knowledge: GroupKnowledge, advance: Callable[[int], None]
) -> int:
    """The modelled groups clustered in this process, GROUPS_PER_TX per transaction."""
    slots = 0
    done = 0
    for chunk in _chunked(groups, GROUPS_PER_TX):
        cluster_rows: list[dict[str, Any]] = []
        slot_rows: list[dict[str, Any]] = []
        for grp, ctxs, refs in _group_contexts(store, chunk):
            c, sl = cluster_group(grp, ctxs, refs, knowledge)
            cluster_rows.extend(c)
            slot_rows.extend(sl)
            slots += len(ctxs)

        def insert(
            cluster_rows: list[dict[str, Any]] = cluster_rows, slot_rows: list[dict[str, Any]] = slot_rows
        ) -> None:
            store.insert_rows("cluster", cluster_rows, CLUSTER_SCHEMA)
            store.insert_rows("cluster_slot", slot_rows, CLUSTER_SLOT_SCHEMA)

        replace_groups(store, chunk, insert)
        done += len(chunk)
        advance(done)
    return slots


def load_decisions(store: StageStore) -> list[tuple[Decision, list[str]]]:
    out = []
    for row in store.con.execute(
        'SELECT id, kind, anchors_a, anchors_b, blocks, "by", "at", why, claim FROM decisions ORDER BY id'
    ).fetchall():
        d = Decision(
            id=row[0],
            kind=row[1],
            anchors_a=frozenset(row[2] or []),
            anchors_b=frozenset(row[3] or []),
            by=row[5] or "",
            at=row[6] or "",
            why=row[7] or "",
            claim=row[8],
        )
        out.append((d, list(row[4] or [])))
    return out


def _block_groups(decisions: list[tuple[Decision, list[str]]]) -> dict[str, str]:
    """Every block a curated decision names → the group it is clustered in: blocks tied by a SAME_AS form one group
    (named by its smallest block); a block a decision names alone is a group of its own."""
    parent: dict[str, str] = {}

    def find(b: str) -> str:
        parent.setdefault(b, b)
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    for d, blocks in decisions:
        bs = sorted(blocks)
        for b in bs:
            find(b)
        if d.kind != "SAME_AS":
            continue
        for b in bs[1:]:
            ra, rb = find(bs[0]), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {b: find(b) for b in parent}


def resolve_researchers(
    store: StageStore,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    strong_in_sql: bool = True,
    cluster_groups: ClusterGroups | None = None,
) -> ResearchersReport:
    """Cluster every pending group. `strong_in_sql=False` sends every group through the model (what the SQL path
    must agree with: tests/test_resolve.py compares the two). `cluster_groups` clusters the groups the model decides
    (default: in this process, cluster_groups_here; the Spark engine passes its own)."""
    report = ResearchersReport()
    con = store.con
    decisions = load_decisions(store)
    groups_of = _block_groups(decisions)
    with store.transaction():
        con.execute("INSERT OR IGNORE INTO named_block SELECT block FROM block_group")
        con.execute("DELETE FROM block_group")
        store.insert_rows(
            "block_group",
            [{"block": b, "grp": g} for b, g in sorted(groups_of.items())],
            pa.schema([("block", _S), ("grp", _S)]),
        )
        con.execute("INSERT OR IGNORE INTO named_block SELECT block FROM block_group")
        # a block clustered under a group it is no longer in: every block of that old group is clustered again
        # (replace_groups drops the old group's clusters when it replaces the block's new group). Only blocks a
        # decision names, now or before, can change groups.
        # (no decision ever: nothing to look for, and the join is skipped)
        if store.scalar("SELECT count(*) FROM named_block"):
            _pend_left_groups(store)
        # a pending researcher record re-aliases the clusters holding its ids, wherever they are
        con.execute(
            "INSERT OR IGNORE INTO pending_block "
            "SELECT DISTINCT block FROM researcher_recs WHERE pending "
            "UNION SELECT DISTINCT s.block FROM cluster c "
            "JOIN (SELECT unnest(strong) AS sid FROM researcher_recs WHERE pending) p ON list_contains(c.strong, p.sid) "
            "JOIN cluster_slot cs ON cs.cluster = c.key JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id"
        )
    pending_groups = sorted(
        {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT coalesce(bg.grp, p.block) FROM pending_block p LEFT JOIN block_group bg USING (block)"
            ).fetchall()
        }
    )
    alias_groups = _alias_groups(store)
    decisions_by_block: dict[str, list[Decision]] = defaultdict(list)
    for d, blocks in decisions:
        for b in blocks:
            decisions_by_block[groups_of.get(b, b)].append(d)

    simple, spelled = (
        simple_groups(store, pending_groups, alias_groups.by_id) if strong_in_sql else (set(), [])
    )
    modelled = [g for g in pending_groups if g not in simple]
    total = len(pending_groups)
    done = 0
    # their clusters' list aggregates stay in memory: as many chunks as the slots need to fit the memory limit
    per_chunk = -(-len(simple) // store.parts_for(int(store.scalar("SELECT count(*) FROM slot") or 0)))
    chunks = list(_chunked(sorted(simple), max(1, min(SIMPLE_GROUPS_PER_TX, per_chunk))))
    once = len(chunks) >= READ_ONCE_FROM_PARTS
    if once:
        simple_slots_once(store, chunks)
    for i, chunk in enumerate(chunks):
        report.slots += cluster_simple(store, chunk, i if once else None, spelled, replace_groups)
        report.groups += len(chunk)
        done += len(chunk)
        if on_progress:
            on_progress(done, total)
    drop_temp(con, "_simple_slots_all")
    report.simple_groups = len(simple)

    def advance(n: int, done0: int = done) -> None:
        if on_progress:
            on_progress(done0 + n, total)

    knowledge = GroupKnowledge(decisions_by_block=dict(decisions_by_block), aliases=alias_groups)
    report.slots += (cluster_groups or cluster_groups_here)(store, modelled, knowledge, advance)
    report.groups += len(modelled)
    report.clusters = int(store.scalar("SELECT count(*) FROM cluster") or 0)
    report.researchers = _researcher_rows(store)
    return report


def _pend_left_groups(store: StageStore) -> None:
    """Every block of a group that a named block has left is pending (its old clusters go with the block's)."""
    store.con.execute(
        """
        INSERT OR IGNORE INTO pending_block
        WITH stored AS (
            SELECT DISTINCT s.block, cs.grp FROM slot s
            JOIN cluster_slot cs ON cs.slot_key = s.key AND cs.work_id = s.work_id
            WHERE s.block IN (SELECT block FROM named_block)
        ),
        left_ AS (
            SELECT DISTINCT st.grp FROM stored st LEFT JOIN block_group bg USING (block)
            WHERE coalesce(bg.grp, st.block) <> st.grp
        )
        SELECT DISTINCT s.block FROM cluster_slot cs JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id
        WHERE cs.grp IN (SELECT grp FROM left_)
        """
    )


def replace_groups(store: StageStore, groups: list[str], insert: Callable[[], None]) -> None:
    """In one transaction: the groups' old clusters go (their researchers marked for rebuilding), `insert` adds
    the new ones (whose researchers are marked too), and the groups' blocks are no longer pending. Once the stage
    has a COAUTHOR table, the authorships that appear or go here are recorded for its next build.

    The old clusters are those of the groups and of every group a slot of their blocks was clustered in before:
    a curated SAME_AS that ties two blocks (or the end of one that tied them) moves a block to another group, and
    its slots must leave the clusters of the group it left. resolve_researchers has marked every block of such a
    group pending, so it is clustered again in this run.

    Once the graph tables were built, each (slot, researcher, confidence) that appears or goes here is recorded
    for their next build (pending_graph: its researcher and work); a group clustered again as it was records
    nothing."""
    con = store.con
    # before the first build the table is built whole: nothing to record (a fresh bulk load skips the diff)
    coauthor_built = store.meta(COAUTHOR_BUILT) is not None
    graph_built = store.meta(GRAPH_BUILT) is not None
    with store.transaction():
        con.register("_chunk_groups", pa.table({"grp": pa.array(groups, type=_S)}))
        try:
            moved = (
                """
                UNION SELECT DISTINCT cs.grp FROM slot s LEFT JOIN block_group bg USING (block)
                JOIN cluster_slot cs ON cs.slot_key = s.key AND cs.work_id = s.work_id
                WHERE s.block IN (SELECT block FROM named_block)
                  AND coalesce(bg.grp, s.block) IN (SELECT grp FROM _chunk_groups)
                  AND cs.grp <> coalesce(bg.grp, s.block)
                """
                if store.scalar("SELECT count(*) FROM named_block")
                else ""
            )
            con.execute(f"CREATE OR REPLACE TEMP TABLE _old_groups AS SELECT grp FROM _chunk_groups {moved}")
            con.execute(
                "INSERT INTO pending_researcher SELECT id FROM cluster WHERE grp IN (SELECT grp FROM _old_groups)"
            )
            if coauthor_built or graph_built:
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE _old_slots AS SELECT {_SLOT_COLUMNS} "
                    "FROM cluster_slot WHERE grp IN (SELECT grp FROM _old_groups)"
                )
            con.execute("DELETE FROM cluster WHERE grp IN (SELECT grp FROM _old_groups)")
            con.execute("DELETE FROM cluster_slot WHERE grp IN (SELECT grp FROM _old_groups)")
            insert()
            con.execute(
                "INSERT INTO pending_researcher SELECT id FROM cluster WHERE grp IN (SELECT grp FROM _chunk_groups)"
            )
            if coauthor_built or graph_built:
                _record_changed_slots(store, coauthor=coauthor_built, graph=graph_built)
            con.execute(
                "DELETE FROM pending_block WHERE block IN (SELECT block FROM pending_block p "
                "LEFT JOIN block_group bg USING (block) WHERE coalesce(bg.grp, p.block) IN (SELECT grp FROM _chunk_groups))"
            )
        finally:
            con.unregister("_chunk_groups")
    drop_temp(con, "_old_groups")


# what a graph table row reads of a cluster_slot row (kg.resolve.graph): where the slot went, how sure
_SLOT_COLUMNS = "slot_key, work_id, researcher, confidence"


def _record_changed_slots(store: StageStore, *, coauthor: bool, graph: bool) -> None:
    """Inside replace_groups, after the insert, from the old rows kept in _old_slots: the researcher and work of
    each slot row that appeared, went or changed (pending_graph), and of those the authorships that appeared or
    went (pending_coauthor: an authorship appears or goes only with a slot row of it, so only the changed rows'
    authorships are compared, not every authorship of the groups)."""
    con = store.con
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _new_slots AS SELECT {_SLOT_COLUMNS} FROM cluster_slot
        WHERE grp IN (SELECT grp FROM _chunk_groups)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _changed_slots AS
        SELECT DISTINCT researcher, work_id FROM (
            (SELECT * FROM _old_slots EXCEPT SELECT * FROM _new_slots)
            UNION ALL (SELECT * FROM _new_slots EXCEPT SELECT * FROM _old_slots)
        )
        """
    )
    if graph:
        con.execute("INSERT INTO pending_graph SELECT * FROM _changed_slots")
    if coauthor:
        con.execute(
            """
            INSERT INTO pending_coauthor
            WITH old AS (
                SELECT DISTINCT o.researcher, o.work_id FROM _old_slots o SEMI JOIN _changed_slots c
                ON c.researcher IS NOT DISTINCT FROM o.researcher AND c.work_id IS NOT DISTINCT FROM o.work_id
            ),
            new AS (
                SELECT DISTINCT n.researcher, n.work_id FROM _new_slots n SEMI JOIN _changed_slots c
                ON c.researcher IS NOT DISTINCT FROM n.researcher AND c.work_id IS NOT DISTINCT FROM n.work_id
            )
            (SELECT * FROM old EXCEPT SELECT * FROM new) UNION ALL (SELECT * FROM new EXCEPT SELECT * FROM old)
            """
        )
    for t in ("_old_slots", "_new_slots", "_changed_slots"):
        con.execute(f"DROP TABLE {t}")


def _unique(decs: list[Decision]) -> list[Decision]:
    seen: dict[str, Decision] = {}
    for d in decs:
        seen.setdefault(d.id, d)
    return [seen[k] for k in sorted(seen)]


def _chunked(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class _AliasIndex:
    """Researcher records' strong-id groups, found by any id they hold."""

    def __init__(self, groups: list[dict[str, set[str]]]) -> None:
        self.groups = groups
        self.by_id: dict[str, list[int]] = defaultdict(list)
        for i, g in enumerate(groups):
            for k, vs in g.items():
                for v in vs:
                    self.by_id[f"{k}:{v}"].append(i)

    def relevant(self, cl: Cluster) -> list[dict[str, set[str]]]:
        """Every record group reachable from the cluster's ids (records chain: A ties X to Y, B ties Y to Z)."""
        if not self.by_id:
            return []
        seen_groups: set[int] = set()
        seen_ids: set[str] = set()
        # a source's author id ("src": a Semantic Scholar author "s2:…") ties records too
        frontier = {f"{k}:{v}" for k, vs in cl.strong.items() for v in vs}
        while frontier:
            seen_ids |= frontier
            nxt: set[str] = set()
            for x in frontier:
                for i in self.by_id.get(x, ()):
                    if i not in seen_groups:
                        seen_groups.add(i)
                        nxt.update(f"{k}:{v}" for k, vs in self.groups[i].items() for v in vs)
            frontier = nxt - seen_ids
        return [self.groups[i] for i in sorted(seen_groups)]


def _alias_groups(store: StageStore) -> _AliasIndex:
    groups = []
    for (strong,) in store.con.execute(
        "SELECT DISTINCT strong FROM researcher_recs WHERE len(strong) > 1 ORDER BY strong"
    ).fetchall():
        groups.append(rowmod.strong_group(list(strong)))
    return _AliasIndex(groups)


def _group_contexts(
    store: StageStore, groups: list[str]
) -> Iterator[tuple[str, list[SlotContext], dict[str, list[str]]]]:
    """(group, its slot contexts, record refs of its works) for each group, streamed in group order."""
    con = store.con
    con.register("_groups", pa.table({"grp": pa.array(groups, type=_S)}))
    try:
        reader = con.sql(
            """
            WITH ps AS (
                SELECT s.*, coalesce(bg.grp, s.block) AS grp FROM slot s LEFT JOIN block_group bg USING (block)
                WHERE coalesce(bg.grp, s.block) IN (SELECT grp FROM _groups)
            ),
            pw AS (SELECT DISTINCT work_id FROM ps),
            co AS (
                SELECT work_id,
                       CASE WHEN count(*) <= $cap THEN list(struct_pack(k := key, b := block, n := name)) END AS co
                FROM slot WHERE work_id IN (SELECT work_id FROM pw) GROUP BY work_id
            ),
            tp AS (
                SELECT work_id, list(DISTINCT topic ORDER BY topic) AS topics FROM work_topic_src
                WHERE work_id IN (SELECT work_id FROM pw) GROUP BY work_id
            )
            SELECT ps.grp, ps.key, ps.work_id, ps.mentions, w.ids, w.venue, w.year, w.categories, w.record_refs,
                   w.title, w.abstract, w."references", co.co, tp.topics
            FROM ps JOIN work w ON w.id = ps.work_id LEFT JOIN co ON co.work_id = ps.work_id
            LEFT JOIN tp ON tp.work_id = ps.work_id
            ORDER BY ps.grp, ps.key, ps.work_id
            """,
            params={"cap": identity.IDENTITY_COAUTHOR_CAP},
        ).to_arrow_reader(READ_BATCH)
        current: str | None = None
        ctxs: list[SlotContext] = []
        refs: dict[str, list[str]] = {}
        for batch in reader:
            for row in batch.to_pylist():
                grp = row["grp"]
                if grp != current:
                    if current is not None:
                        yield current, ctxs, refs
                    current, ctxs, refs = grp, [], {}
                ctxs.append(slot_context(row))
                refs[row["key"]] = list(row["record_refs"] or [])
        if current is not None:
            yield current, ctxs, refs
    finally:
        con.unregister("_groups")


def slot_context(row: dict[str, Any]) -> SlotContext:
    slot = slot_from_row(row["work_id"], row["mentions"], row["key"])
    co: dict[str, str] = {}
    for c in sorted(row["co"] or [], key=lambda c: c["n"], reverse=True):
        if c["k"] != row["key"]:
            co[c["b"]] = c["n"]  # the smallest name of a shared key, whatever order they came in
    topics = {x: x for x in row["topics"] or []}
    topics.update({f"cat:{category_label(c)}": c for c in row["categories"] or []})
    return SlotContext(
        slot=slot,
        work_ids=set(row["ids"] or []) | {row["work_id"]},
        coauthors=co,
        topics=topics,
        venue=row["venue"],
        year=row["year"],
        # the pairwise model's title and abstract words, and what the topic model reads in them
        title=row.get("title"),
        abstract=row.get("abstract"),
        # shared references and self-citations: the work's references are typed ("openalex:W…", "doi:…"), the
        # model was trained on the bare OpenAlex ids kg.identity.labeled reads (work_oa is bare too)
        references=bare_openalex(row.get("references") or []),
    )


def _cluster_row(grp: str, cl: Cluster, refs: dict[str, list[str]]) -> dict[str, Any]:
    strong = sorted(identity.typed_strong_ids({k: v for k, v in cl.strong.items()}))
    return {
        "key": f"{grp}|{min(m.key for m in cl.members)}",
        "grp": grp,
        "id": cl.id,
        "name": cl.name,
        "name_key": identity.name_key(cl.name),
        "block_key": identity.block_key(cl.name),
        "method": cl.method,
        "confidence": cl.confidence,
        "evidence": list(cl.evidence),
        "strong": strong,
        "members": len(cl.members),
        "names": sorted({n for m in cl.members for n in m.slot.names}),
        "sources": sorted({x.source for m in cl.members for x in m.slot.mentions}),
        "refs": first_refs({r for m in cl.members for r in refs.get(m.key, [])}),
    }


def _researcher_rows(store: StageStore) -> int:
    """Rebuild the researcher rows (and record targets) of every researcher id whose clusters or records changed.

    A researcher made of one cluster that no record describes is a projection of that cluster (SQL); one made of
    several clusters, or described by researcher records (profile pages, author entities), is built in Python."""
    con = store.con
    with store.transaction():
        # where each researcher record points: the cluster holding its best strong id, else its own id
        held = dict(
            con.execute(
                """
                WITH rs AS (
                    SELECT rec, unnest(strong) AS sid, generate_subscripts(strong, 1) AS i FROM researcher_recs
                ),
                h AS (
                    SELECT sid, min(id) AS cid FROM (SELECT id, unnest(strong) AS sid FROM cluster)
                    WHERE sid IN (SELECT sid FROM rs) GROUP BY sid
                )
                SELECT rs.rec, arg_min(h.cid, rs.i) FROM rs JOIN h USING (sid) GROUP BY rs.rec
                """
            ).fetchall()
        )
        old_targets = dict(con.execute("SELECT rec, researcher FROM record_target").fetchall())
        new_targets: dict[str, str] = {}
        payloads: dict[str, ResearcherRecord] = {}
        for rec, payload in con.execute("SELECT rec, payload FROM researcher_recs").fetchall():
            r = ResearcherRecord.model_validate_json(payload)
            payloads[rec] = r
            new_targets[rec] = held.get(rec) or rowmod.researcher_record_id(r)
        changed = {k for k in new_targets if old_targets.get(k) != new_targets[k]}
        changed |= {k for (k,) in con.execute("SELECT rec FROM researcher_recs WHERE pending").fetchall()}
        extra = sorted(
            {old_targets[k] for k in changed if k in old_targets} | {new_targets[k] for k in changed}
        )
        store.insert_rows("pending_researcher", [{"id": x} for x in extra], pa.schema([("id", _S)]))
        if store.meta(GRAPH_BUILT) is not None:  # their profile affiliations (kg.resolve.graph)
            store.insert_rows(
                "pending_graph",
                [{"researcher": x, "work": None} for x in extra],
                pa.schema([("researcher", _S), ("work", _S)]),
            )
        con.execute("DELETE FROM record_target")
        store.insert_rows(
            "record_target",
            [{"rec": k, "researcher": v} for k, v in sorted(new_targets.items())],
            pa.schema([("rec", _S), ("researcher", _S)]),
        )
        con.execute("UPDATE researcher_recs SET pending = false WHERE pending")
        con.execute("CREATE OR REPLACE TEMP TABLE _ids AS SELECT DISTINCT id FROM pending_researcher")
        con.execute("DELETE FROM researcher WHERE id IN (SELECT id FROM _ids)")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _plain AS
            SELECT id FROM cluster WHERE id IN (SELECT id FROM _ids) GROUP BY id HAVING count(*) = 1
            EXCEPT SELECT researcher FROM record_target
            """
        )
        con.execute(
            f"""
            INSERT INTO researcher
            SELECT c.id, c.name, c.name_key, c.block_key, list_filter(c.names, lambda x: x <> c.name),
                   {_strong_value_sql("orcid")}, {_strong_value_sql("openalex")}, {_strong_value_sql("profile")},
                   NULL, NULL, 'unknown', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   c.method, c.confidence, c.evidence, c.sources, c.members, c.refs, NULL
            FROM cluster c JOIN _plain USING (id)
            """
        )
        ids = [
            r[0]
            for r in con.execute(
                "SELECT id FROM _ids WHERE id NOT IN (SELECT id FROM _plain) ORDER BY id"
            ).fetchall()
        ]
        con.register("_py_ids", pa.table({"id": pa.array(ids, type=_S)}))
        try:
            clusters_by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
            cur = con.execute(
                "SELECT c.* FROM cluster c JOIN _py_ids USING (id) ORDER BY c.id, c.members DESC, c.key"
            )
            cols = [d[0] for d in cur.description]
            for row in cur.fetchall():
                d = dict(zip(cols, row, strict=True))
                clusters_by_id[d["id"]].append(d)
        finally:
            con.unregister("_py_ids")
        wanted = set(ids)
        records_by_target: dict[str, list[str]] = defaultdict(list)
        for rec, tgt in new_targets.items():
            if tgt in wanted:
                records_by_target[tgt].append(rec)
        out = []
        for rid in ids:
            cls = clusters_by_id.get(rid, [])
            recs = [payloads[k] for k in sorted(records_by_target.get(rid, []))]
            if not cls and not recs:
                continue
            out.append(_researcher_row(rid, cls, recs))
        store.insert_rows("researcher", out, RESEARCHER_SCHEMA)
        n = int(store.scalar("SELECT count(*) FROM _ids") or 0)
        con.execute("INSERT INTO pending_derive SELECT 'researcher', id FROM _ids")
        con.execute("DELETE FROM pending_researcher")
        drop_temp(con, "_ids", "_plain")
    return n


def _strong_value_sql(kind: str) -> str:
    """The smallest strong id of a kind a cluster holds, without its "kind:" prefix (NULL when it has none)."""
    return (
        f"substr(list_sort(list_filter(c.strong, lambda x: starts_with(x, '{kind}:')))[1], {len(kind) + 2})"
    )


def _researcher_row(
    rid: str, clusters: list[dict[str, Any]], records: list[ResearcherRecord]
) -> dict[str, Any]:
    entries = [rowmod.record_entry(r) for r in records]
    refs = {f"{r.prov.source}:{r.prov.ref}" for r in records}
    props = rowmod.researcher_props(clusters, entries, record=records[0] if records else None)
    refs |= {x for c in clusters for x in c["refs"] or []}
    props["id"] = rid
    props["record_refs"] = first_refs(refs)
    return {c: props.get(c) for c in RESEARCHER_COLUMNS}
