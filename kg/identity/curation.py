"""Curated identity decisions (merge, split, claim) that override the resolver and survive every later reload.

A decision is a SAME_AS / NOT_SAME_AS edge keyed on stable anchors — "<work id>#<name key>" for every id the
work was ever seen under — not on researcher ids (which re-clustering may change). The resolver reads every
decision on each batch, applies them before its own evidence, and re-attaches each edge to whichever
researchers hold its anchors afterwards, so the decision holds whatever order the files are loaded in.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Any

from neo4j import Driver

from kg.config import Settings, get_settings
from kg.errors import InputError, NotFound
from kg.graphdb import run
from kg.graphdb.catalog import query
from kg.normalize import block_key, name_key, short_hash
from kg.stage.store import StageStore


def _slots(driver: Driver, rid: str, s: Settings) -> dict[str, Any]:
    rows = run(driver, query("identity/researcher_slots"), {"id": rid}, settings=s)
    if not rows or rows[0]["id"] is None:
        raise NotFound(f"no researcher with id {rid!r} in the graph")
    return rows[0]


def anchors_of(
    row: dict[str, Any], works: set[str] | None = None, exclude: bool = False
) -> tuple[list[str], list[str]]:
    """Stable anchors and blocking keys of a researcher's author slots (only / all but those on `works`)."""
    anchors: set[str] = set()
    blocks: set[str] = {row["block_key"]} if row.get("block_key") else set()
    for slot in row["slots"]:
        if not slot.get("work"):
            continue
        if works is not None and ((slot["work"] in works) == exclude):
            continue
        names = slot.get("names") or []
        for wid in {*(slot.get("work_ids") or []), slot["work"]}:
            for n in names:
                anchors.add(f"{wid}#{name_key(n)}")
        for n in names:
            blocks.add(block_key(n))
    return sorted(anchors), sorted(blocks)


def decide(
    driver: Driver,
    kind: str,
    a: str,
    b: str,
    *,
    by: str | None = None,
    why: str = "",
    claim: str | None = None,
    works: list[str] | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Record SAME_AS (kind "SAME_AS") or NOT_SAME_AS between researchers a and b, then re-resolve their blocks.

    A split of one researcher in two names the works of one side: NOT_SAME_AS between A's authorships on
    `works` and its other authorships."""
    if kind not in ("SAME_AS", "NOT_SAME_AS"):
        raise InputError(f"unknown decision {kind}")
    s = settings or get_settings()
    ra = _slots(driver, a, s)
    rb = _slots(driver, b, s) if b != a else ra
    if kind == "NOT_SAME_AS" and a == b:
        if not works:
            raise InputError(
                f"{a} is one researcher: name two, or the works (--work) of one side to split off"
            )
        held = {slot["work"] for slot in ra["slots"] if slot.get("work")}
        unknown = sorted(set(works) - held)
        if unknown:
            raise InputError(f"{a} has no authorship on {', '.join(unknown)}")
        if held <= set(works):
            raise InputError("a split needs works on both sides: leave at least one work out of --work")
        anchors_a, blocks_a = anchors_of(ra, set(works))
        anchors_b, blocks_b = anchors_of(ra, set(works), exclude=True)
    else:
        anchors_a, blocks_a = anchors_of(ra)
        anchors_b, blocks_b = anchors_of(rb) if b != a else ([], [])
    if not anchors_a and not claim:
        raise InputError(f"{a} has no authorships to anchor a decision on")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    who = by or getpass.getuser()
    blocks = sorted(set(blocks_a) | set(blocks_b))
    props = {
        "decision": f"{kind.lower()}:{short_hash('|'.join([kind, *anchors_a, '/', *anchors_b, at, claim or '']))}",
        "by": who,
        "at": at,
        "why": why,
        "anchors_a": anchors_a,
        "anchors_b": anchors_b,
        "blocks": blocks,
        "a_name": ra["name"],
        "b_name": rb["name"],
    }
    if claim:
        props["claim"] = claim
    return {**props, "researchers": _record_and_apply(driver, kind, props, s)}


def _record_and_apply(driver: Driver, kind: str, props: dict[str, Any], s: Settings) -> list[str]:
    """Keep the decision in the stage (it outlives every reload), drop the opposite decisions on the same anchors,
    re-resolve the blocks it touches and write what changed; returns the researchers holding its two sides."""
    from kg import pipeline

    with pipeline.open_stage(s) as st:
        stage_decision(st, kind, props)
        pipeline.load(
            driver, [], settings=s, stage=st, paths=[f"curation:{props['decision']}"], rejects_path=None
        )
        table = "same_as" if kind == "SAME_AS" else "not_same_as"
        rows = st.con.execute(
            f"SELECT src, dst FROM {table} WHERE decision = ?", [props["decision"]]
        ).fetchall()
    return sorted({x for row in rows for x in row})


def stage_decision(st: StageStore, kind: str, props: dict[str, Any]) -> None:
    """In one transaction: keep the decision in the stage, drop the opposite decisions on the same anchors, and
    mark the blocks it touches pending (the next resolve clusters them again)."""
    opposite = "NOT_SAME_AS" if kind == "SAME_AS" else "SAME_AS"
    with st.transaction():
        st.con.execute(
            "DELETE FROM decisions WHERE kind = ? AND list_sort(anchors_a) = list_sort(?::VARCHAR[]) "
            "AND list_sort(anchors_b) = list_sort(?::VARCHAR[])",
            [opposite, props["anchors_a"], props["anchors_b"]],
        )
        st.con.execute(
            'INSERT OR REPLACE INTO decisions (id, kind, anchors_a, anchors_b, blocks, "by", "at", why, claim, a, b) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                props["decision"],
                kind,
                props["anchors_a"],
                props["anchors_b"],
                props["blocks"],
                props["by"],
                props["at"],
                props["why"],
                props.get("claim"),
                props["a_name"],
                props["b_name"],
            ],
        )
        for b in props["blocks"]:
            st.con.execute("INSERT OR IGNORE INTO pending_block VALUES (?)", [b])


def merge(driver: Driver, a: str, b: str, **kw: Any) -> dict[str, Any]:
    """A and B are one person."""
    return decide(driver, "SAME_AS", a, b, **kw)


def split(driver: Driver, a: str, b: str, **kw: Any) -> dict[str, Any]:
    """A and B are different people, whatever the evidence says."""
    return decide(driver, "NOT_SAME_AS", a, b, **kw)


def claim(driver: Driver, researcher: str, profile_key: str, **kw: Any) -> dict[str, Any]:
    """RESEARCHER is the person of profile page KEY: a SAME_AS with that profile's researcher (created by the
    resolver if the profile has not been loaded yet), whose id then names the merged researcher."""
    s = kw.get("settings") or get_settings()
    target = f"profile:{profile_key}"
    exists = run(driver, query("identity/researcher_slots"), {"id": target}, settings=s)
    b = target if exists and exists[0]["id"] else researcher
    return decide(driver, "SAME_AS", researcher, b, claim=target, **kw)


def decisions(driver: Driver, settings: Settings | None = None) -> list[dict[str, Any]]:
    return run(driver, query("identity/decisions"), settings=settings)


def evidence(driver: Driver, rid: str, settings: Settings | None = None) -> dict[str, Any]:
    rows = run(driver, query("identity/evidence"), {"id": rid}, settings=settings)
    if not rows:
        raise NotFound(f"no researcher with id {rid!r} in the graph")
    return rows[0]
