"""Name groups whose researchers the strong ids decide alone, resolved in SQL (kg.resolve.researchers calls these):
which pending groups qualify (`simple_groups`), their slots read once when there are many chunks
(`simple_slots_once`), and one cluster per strong id of each (`cluster_simple`), exactly as
kg.identity.cluster_block would make them (tests/test_resolve.py compares the two paths)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection

import pyarrow as pa

from kg import identity
from kg.stage.store import StageStore, drop_temp

# kg.resolve.researchers.replace_groups: replace groups' clusters inside one stage transaction
Replace = Callable[[StageStore, list[str], Callable[[], None]], None]

_S = pa.string()

# From this many parts (chunks) on, a partitioned statement's input rows are read once into a temp table, not again
# for each part: at 2 parts the temp table cost more than the second read (200k synthetic works, 512 MB limit:
# +1.9 CPU-s in this step); at the parts of 1M works the reads grow with the square of the corpus
READ_ONCE_FROM_PARTS = 3


# The kind of a typed strong id: "orcid:…", "openalex:…", "profile:…", or a source's own id ("csv:p2").
_KIND_SQL = (
    "CASE split_part({x}, ':', 1) WHEN 'orcid' THEN 'orcid' WHEN 'openalex' THEN 'openalex' "
    "WHEN 'profile' THEN 'profile' ELSE 'src' END"
)


def simple_groups(
    store: StageStore, groups: list[str], alias_ids: Collection[str]
) -> tuple[set[str], list[dict[str, str]]]:
    """Groups whose clusters the strong ids decide alone, exactly as kg.identity.cluster_block would decide them:
    every slot carries one strong id, all of one kind (so two different ids never join, and evidence can link
    nobody), at most one slot per work for an id, every spelling of an id compatible with every other (so the hard
    links join all its slots, in any order), no curated decision and no researcher record tying the id to another.
    Their researchers are made in SQL, without building a slot in Python. Also returns the display name of each
    id seen under several spellings (kg.identity.name_from_counts, as cluster_block names it)."""
    if not groups:
        return set(), []
    con = store.con
    con.register("_pending_groups", pa.table({"grp": pa.array(groups, type=_S)}))
    con.register("_alias_ids", pa.table({"sid": pa.array(sorted(alias_ids), type=_S)}))
    try:
        bad = {
            r[0]
            for r in con.execute(
                f"""
                WITH k AS (
                    SELECT coalesce(bg.grp, s.block) AS grp, s.work_id, s.strong[1] AS sid, len(s.strong) AS n,
                           {_KIND_SQL.format(x="s.strong[1]")} AS kind, bg.grp IS NOT NULL AS decided
                    FROM slot s LEFT JOIN block_group bg USING (block)
                    WHERE coalesce(bg.grp, s.block) IN (SELECT grp FROM _pending_groups)
                )
                SELECT grp FROM k GROUP BY grp
                HAVING NOT bool_and(n = 1) OR count(DISTINCT kind) <> 1 OR bool_or(decided)
                UNION SELECT grp FROM k WHERE n = 1 GROUP BY grp, sid HAVING count(*) <> count(DISTINCT work_id)
                UNION SELECT k.grp FROM k JOIN _alias_ids a ON a.sid = k.sid
                """
            ).fetchall()
        }
        # list aggregates, held in memory: a hash partition of the blocks at a time, as the memory limit needs,
        # from the slots read once (reading slot again for each part grows with the square of the corpus), sorted
        # by part so that each part's scan skips the others' row groups (unsorted, each part read the whole table)
        parts = store.parts_for(int(store.scalar("SELECT count(*) FROM slot") or 0))
        rows_sql = """
            SELECT hash(s.block) % $parts AS part, s.block, s.strong[1] AS sid, s.name, s.names
            FROM slot s WHERE s.block IN (SELECT grp FROM _pending_groups) AND len(s.strong) = 1
        """
        once = parts >= READ_ONCE_FROM_PARTS
        if once:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _spelling_rows AS {rows_sql} ORDER BY part", {"parts": parts}
            )
        source = "_spelling_rows" if once else f"({rows_sql})"
        spelled = [
            row
            for part in range(parts)
            for row in con.execute(
                f"""
                SELECT block AS grp, sid, {_KIND_SQL.format(x="sid")} AS kind,
                       list(name) AS slot_names, list_distinct(flatten(list(names))) AS spellings
                FROM {source} WHERE part = $part
                GROUP BY block, sid
                HAVING len(list_distinct(flatten(list(names)))) > 1
                """,
                {"part": part} if once else {"part": part, "parts": parts},
            ).fetchall()
        ]
        if once:
            con.execute("DROP TABLE _spelling_rows")
    finally:
        con.unregister("_pending_groups")
        con.unregister("_alias_ids")
    names: list[dict[str, str]] = []
    for grp, sid, kind, slot_names, spellings in spelled:
        if grp in bad:
            continue
        # a profile's spelling names its researcher (cluster_block): leave those to the model; a source's own id
        # joins any spellings, the others only compatible ones
        if kind == "profile" or (
            kind != "src" and not all(identity.given_compatible(a, b) for a in spellings for b in spellings)
        ):
            bad.add(grp)
            continue
        name = identity.name_from_counts(dict(Counter(slot_names)))
        names.append({"grp": grp, "sid": sid, "name": name, "name_key": identity.name_key(name)})
    simple = set(groups) - bad
    return simple, [n for n in names if n["grp"] in simple]


def simple_slots_once(store: StageStore, chunks: list[list[str]]) -> None:
    """The slots of every simple group with what their clusters need, numbered by the chunk their group is
    clustered in: read from slot and work once, not once a chunk (the chunks grow with the corpus). Sorted by chunk,
    so that a chunk's copy skips the other chunks' row groups: unsorted, each of the 9 chunks of 1M works read the
    whole table (14.0 CPU-s for the copies; sorted 2.3, and the sort +4.1)."""
    con = store.con
    con.register(
        "_simple_chunks",
        pa.table(
            {
                "grp": pa.array([g for chunk in chunks for g in chunk], type=_S),
                "chunk": pa.array([i for i, chunk in enumerate(chunks) for _ in chunk], type=pa.int32()),
            }
        ),
    )
    try:
        kind = _KIND_SQL.format(x="s.strong[1]")
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _simple_slots_all AS
            SELECT c.chunk, s.block AS grp, s.key, s.work_id, s.strong[1] AS sid, {kind} AS kind, s.name,
                   s.name_key, s.names, s.sources, w.record_refs
            FROM slot s JOIN _simple_chunks c ON c.grp = s.block JOIN work w ON w.id = s.work_id
            ORDER BY c.chunk
            """
        )
    finally:
        con.unregister("_simple_chunks")


def cluster_simple(
    store: StageStore, groups: list[str], chunk: int | None, spelled: list[dict[str, str]], replace: Replace
) -> int:
    """One cluster per strong id of each simple group, written by `replace` (chunk number `chunk` of
    simple_slots_once; None: read from slot and work here), with cluster_block's name, method, confidence and evidence (`spelled`: the names
    of the ids seen under several spellings)."""
    con = store.con
    con.register(
        "_spelled",
        pa.Table.from_pylist(
            spelled, schema=pa.schema([("grp", _S), ("sid", _S), ("name", _S), ("name_key", _S)])
        ),
    )

    def insert() -> None:
        if chunk is not None:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _simple_slots AS "
                "SELECT * EXCLUDE (chunk) FROM _simple_slots_all WHERE chunk = $chunk",
                {"chunk": chunk},
            )
        else:
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _simple_slots AS
                SELECT s.block AS grp, s.key, s.work_id, s.strong[1] AS sid, {_KIND_SQL.format(x="s.strong[1]")} AS kind,
                       s.name, s.name_key, s.names, s.sources, w.record_refs
                FROM slot s JOIN work w ON w.id = s.work_id
                WHERE s.block IN (SELECT grp FROM _chunk_groups)
                """
            )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _simple_clusters AS
            SELECT c.grp, c.sid, c.kind, c.key, c.members, coalesce(sp.name, c.name) AS name,
                   coalesce(sp.name_key, c.name_key) AS name_key, c.work_id, c.names, c.sources, c.refs
            FROM (
                SELECT grp, sid, any_value(kind) AS kind, grp || '|' || min(key) AS key, count(*) AS members,
                       any_value(name) AS name, any_value(name_key) AS name_key, min(work_id) AS work_id,
                       list_sort(list_distinct(flatten(list(names)))) AS names,
                       list_sort(list_distinct(flatten(list(sources)))) AS sources,
                       first_refs(flatten(list(record_refs))) AS refs
                FROM _simple_slots GROUP BY grp, sid
            ) c LEFT JOIN _spelled sp ON sp.grp = c.grp AND sp.sid = c.sid
            """
        )
        con.execute(
            """
            INSERT INTO cluster
            SELECT key, grp, sid, name, name_key, grp,
                   CASE kind WHEN 'src' THEN 'source-id' ELSE kind END,
                   CASE kind WHEN 'profile' THEN 0.95 WHEN 'src' THEN 0.9 ELSE 1.0 END,
                   CASE WHEN kind <> 'src' THEN [kind || ' ' || substr(sid, length(kind) + 2)]
                        WHEN members = 1 THEN ['only mention: ' || name || ' on ' || work_id]
                        ELSE []::VARCHAR[] END,
                   [sid], members, names, sources, refs
            FROM _simple_clusters
            """
        )
        con.execute(
            """
            INSERT INTO cluster_slot
            SELECT s.key, s.work_id, c.key, s.sid,
                   CASE s.kind WHEN 'profile' THEN 0.95 WHEN 'src' THEN 0.9 ELSE 1.0 END, s.grp
            FROM _simple_slots s JOIN _simple_clusters c ON c.grp = s.grp AND c.sid = s.sid
            """
        )

    try:
        replace(store, groups, insert)
        return int(store.scalar("SELECT count(*) FROM _simple_slots") or 0)
    finally:
        con.unregister("_spelled")
        drop_temp(con, "_simple_slots", "_simple_clusters")
