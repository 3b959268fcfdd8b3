"""Researcher clustering of one name block: strong ids and curated decisions as constraints, evidence links between
the rest, a confidence per slot and human-readable evidence per researcher."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations

from kg.identity.context import Cluster, Decision, SlotContext
from kg.identity.mentions import Slot
from kg.identity.names import block_key, given_compatible, given_len, name_key, split_name
from kg.identity.probe import _STRONG_KINDS, _features
from kg.normalize import short_hash

# Evidence weights between two compatible-name author slots on different works; a link needs LINK_THRESHOLD.
# One shared co-author is enough (names of people who write together recur); topics or a venue alone are not.
LINK_THRESHOLD = 1.0
# Co-authors are identity evidence on works with at most this many authors: on a 1,000-author collaboration,
# sharing a co-author says little about who is who, and reading every such list would dominate the load.
IDENTITY_COAUTHOR_CAP = 50
W_COAUTHOR = 1.0  # per shared co-author (blocking key of the co-author's name), at most 2 counted
W_INSTITUTION = 0.8  # per shared institution, at most 1 counted
W_TOPIC = 0.3  # per shared topic or arXiv category, at most 2 counted
W_VENUE = 0.3
W_YEARS = 0.1  # publication years within 3 of each other, only on top of other evidence
W_FULL_NAME = 0.4  # the same spelled-out given name(s) (not just an initial), only on top of other evidence


def _link_score(a: SlotContext, b: SlotContext) -> tuple[float, list[str]]:
    score = 0.0
    why: list[str] = []
    own_a, own_b = block_key(a.slot.name), block_key(b.slot.name)
    shared_co = sorted((set(a.coauthors) & set(b.coauthors)) - {own_a, own_b})[:2]
    for co in shared_co:
        score += W_COAUTHOR
        why.append(f"shares co-author {a.coauthors[co]} on {a.slot.work_id} and {b.slot.work_id}")
    shared_inst = sorted(set(a.slot.institutions) & set(b.slot.institutions))[:1]
    for inst in shared_inst:
        score += W_INSTITUTION
        why.append(f"same institution {inst} on {a.slot.work_id} and {b.slot.work_id}")
    shared_topics = sorted(set(a.topics) & set(b.topics))[:2]
    for t in shared_topics:
        score += W_TOPIC
        why.append(f"shares topic {a.topics[t]} on {a.slot.work_id} and {b.slot.work_id}")
    if a.venue and b.venue and a.venue.casefold() == b.venue.casefold():
        score += W_VENUE
        why.append(f"same venue {a.venue}")
    if score > 0 and _full_name_match(a.slot.name, b.slot.name):
        score += W_FULL_NAME
        why.append(f"same full name {a.slot.name}")
    if score > 0 and a.year and b.year and abs(a.year - b.year) <= 3:
        score += W_YEARS
        why.append(f"close years {min(a.year, b.year)}–{max(a.year, b.year)}")
    return round(score, 3), why


def _full_name_match(a: str, b: str) -> bool:
    given_a, _ = split_name(a)
    spelled = [g for g in given_a if len(g.strip(".")) > 1]
    return bool(spelled) and name_key(a) == name_key(b)


def cluster_block(slots: Sequence[SlotContext], decisions: Sequence[Decision] = ()) -> list[Cluster]:
    """Researchers for the slots of one blocking key: a function of the set of slots and decisions."""
    order = sorted(slots, key=lambda c: (c.key, json.dumps(sorted(m.to_json() for m in c.slot.mentions))))
    n = len(order)
    parent = list(range(n))
    # per-root constraint state
    works: list[set[str]] = [{c.slot.work_id} for c in order]
    strong: list[dict[str, set[str]]] = [
        {k: set(c.slot.strong(k)) for k in _STRONG_KINDS if c.slot.strong(k)} for c in order
    ]
    sides: list[set[tuple[str, str]]] = [set() for _ in order]
    # every spelling in a component must fit every spelling in the other: "X. Song" may not bridge
    # "Xiang Song" and "Xin Song" into one person
    spellings: list[set[str]] = [set(c.slot.names) for c in order]
    curated: list[bool] = [False] * n
    evidence: list[list[str]] = [[] for _ in order]
    best_link: dict[int, float] = {}

    anchor_index: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(order):
        for a in c.anchors:
            anchor_index[a].append(i)
    for d in decisions:
        if d.kind != "NOT_SAME_AS":
            continue
        for side, anchors in (("a", d.anchors_a), ("b", d.anchors_b)):
            for a in anchors:
                for i in anchor_index.get(a, []):
                    sides[i].add((d.id, side))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def allowed(ra: int, rb: int, *, check_strong: bool, spelling: bool = True) -> bool:
        if works[ra] & works[rb]:
            return False  # two authors of one paper are two people
        if (
            check_strong
            and spelling
            and not all(given_compatible(x, y) for x in spellings[ra] for y in spellings[rb])
        ):
            return False
        for did, side in sides[ra]:
            if (did, "b" if side == "a" else "a") in sides[rb]:
                return False
        if check_strong:
            for k in ("orcid", "openalex", "profile", "src"):
                sa, sb = strong[ra].get(k), strong[rb].get(k)
                if sa and sb and not (sa & sb):
                    return False
        return True

    def union(ra: int, rb: int) -> None:
        lo, hi = min(ra, rb), max(ra, rb)
        parent[hi] = lo
        works[lo] |= works[hi]
        for k, v in strong[hi].items():
            strong[lo].setdefault(k, set()).update(v)
        sides[lo] |= sides[hi]
        spellings[lo] |= spellings[hi]
        curated[lo] = curated[lo] or curated[hi]
        evidence[lo].extend(evidence[hi])

    # 1. curated SAME_AS: override everything but a curated NOT_SAME_AS and the one-paper rule
    for d in sorted(decisions, key=lambda d: d.id):
        if d.kind != "SAME_AS":
            continue
        members = sorted({i for a in d.anchors_a | d.anchors_b for i in anchor_index.get(a, [])})
        if not members:
            continue
        for i in members[1:]:
            ra, rb = find(members[0]), find(i)
            if ra != rb and allowed(ra, rb, check_strong=False):
                union(ra, rb)
        root = find(members[0])
        curated[root] = True
        note = f"curated SAME_AS by {d.by or 'unknown'} at {d.at}"
        evidence[root].append(f"{note}: {d.why}" if d.why else note)
        if d.claim and d.claim.startswith("profile:"):
            strong[root].setdefault("profile", set()).add(d.claim.split(":", 1)[1])

    # 2. hard links: the same strong id (ORCID, OpenAlex author, profile, CSV author id)
    by_strong: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(order):
        for k in _STRONG_KINDS:
            for v in sorted(c.slot.strong(k)):
                by_strong[(k, v)].append(i)
    for strong_key, members in sorted(by_strong.items()):
        for i in members[1:]:
            ra, rb = find(members[0]), find(i)
            # a source's own author id is the user's word that these mentions are one person, whatever the
            # spellings ("A. Lovelace", "Ada Lovelace"); it still never joins two different ids of any kind
            if ra != rb and allowed(ra, rb, check_strong=True, spelling=strong_key[0] != "src"):
                union(ra, rb)
        for i in members:
            best_link[i] = max(best_link.get(i, 0.0), 10.0)

    # 3. evidence links between compatible names on different works, strongest first
    feats = [_features(c) for c in order]
    inverted: dict[str, list[int]] = defaultdict(list)
    for i, fs in enumerate(feats):
        for f in fs:
            inverted[f].append(i)
    # Two slots already joined by a strong id or a curated decision, each with a strong id of its own, gain
    # nothing from a link (no union, and their confidence does not depend on links): skip the pair. This keeps a
    # prolific researcher's thousands of hard-linked slots from costing a quadratic number of link scores.
    roots = [find(i) for i in range(n)]
    fixed = [any(c.slot.strong(k) for k in _STRONG_KINDS) for c in order]
    pairs: set[tuple[int, int]] = set()
    for members in inverted.values():
        if len(members) > 200:
            continue  # a feature shared by hundreds of slots (a huge topic) carries no identity evidence
        for x, y in combinations(members, 2):
            if fixed[x] and fixed[y] and roots[x] == roots[y]:
                continue
            pairs.add((x, y))
    links: list[tuple[float, int, int, list[str]]] = []
    for x, y in pairs:
        ca, cb = order[x], order[y]
        if ca.slot.work_id == cb.slot.work_id or not given_compatible(ca.slot.name, cb.slot.name):
            continue
        score, why = _link_score(ca, cb)
        if score >= LINK_THRESHOLD:
            links.append((score, x, y, why))
    links.sort(key=lambda t: (-t[0], order[t[1]].key, order[t[2]].key))
    for score, x, y, why in links:
        rx, ry = find(x), find(y)
        if rx != ry:
            if not allowed(rx, ry, check_strong=True):
                continue
            union(rx, ry)
            evidence[find(x)].extend(why)
        best_link[x] = max(best_link.get(x, 0.0), score)
        best_link[y] = max(best_link.get(y, 0.0), score)

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    clusters: list[Cluster] = []
    for root, members in groups.items():
        ctxs = [order[i] for i in members]
        st = {k: sorted(v) for k, v in strong[root].items()}
        name = _cluster_name(ctxs)
        cid, method = _cluster_id(ctxs, st, name)
        if curated[root]:
            method = "curated"
        slot_conf: dict[str, float] = {}
        for i in members:
            c = order[i]
            tier = strong_slot_confidence(c.slot)
            if tier == 1.0:
                conf = 1.0
            elif curated[root]:
                conf = 0.95
            elif tier is not None:
                conf = tier
            elif len(members) == 1:
                conf = 0.6  # alone: nothing ties it to anyone else, nothing splits it either
            else:
                conf = min(0.95, 0.55 + 0.15 * best_link.get(i, LINK_THRESHOLD))
            slot_conf[c.key] = round(conf, 3)
        ev = cluster_evidence(evidence[root], st)
        if len(members) == 1 and not ev:
            ev = [f"only mention: {ctxs[0].slot.name} on {ctxs[0].slot.work_id}"]
        conf = (
            1.0 if method in FLAT_CONFIDENCE_METHODS else round(sum(slot_conf.values()) / len(slot_conf), 3)
        )
        clusters.append(
            Cluster(
                id=cid,
                method=method,
                members=ctxs,
                confidence=conf,
                evidence=ev[:20],
                slot_confidence=slot_conf,
                strong=st,
                name=name,
            )
        )
    clusters.sort(key=lambda c: c.id)
    return clusters


STRONG_EVIDENCE_KINDS = ("orcid", "openalex", "profile")
# a cluster found by one of these is certain, whatever its slots: its confidence is 1.0, not their mean
FLAT_CONFIDENCE_METHODS = ("orcid", "openalex", "curated")


def strong_slot_confidence(slot: Slot) -> float | None:
    """How sure a slot's own strong ids make its researcher: ORCID or OpenAlex 1.0, a profile page 0.95, a source's
    author id 0.9; None for a weak slot (a name only), whose confidence depends on the links it has."""
    if slot.strong("orcid") or slot.strong("openalex"):
        return 1.0
    if slot.strong("profile"):
        return 0.95
    if slot.strong("src"):
        return 0.9
    return None


def weak_count(ctxs: Iterable[SlotContext]) -> int:
    """How many of these slots carry no strong id."""
    return sum(1 for c in ctxs if strong_slot_confidence(c.slot) is None)


def cluster_evidence(reasons: Iterable[str], strong: Mapping[str, Sequence[str]]) -> list[str]:
    """A cluster's evidence in its one canonical order: its strong ids (profile, openalex, orcid), then the
    link reasons sorted. The same members give the same list however they were clustered or appended."""
    ev = sorted(set(reasons))
    for k in STRONG_EVIDENCE_KINDS:
        for v in sorted(set(strong.get(k, []))):
            ev.insert(0, f"{k} {v}")
    return ev


def merged_evidence(entries: Iterable[str]) -> list[str]:
    """The evidence of a researcher of two or more slots from the evidence lists of its parts: their strong ids and
    link reasons in the canonical order, never an "only mention"."""
    strong: dict[str, list[str]] = defaultdict(list)
    reasons: list[str] = []
    for e in entries:
        kind, _, value = e.partition(" ")
        if kind in STRONG_EVIDENCE_KINDS and value:
            strong[kind].append(value)
        elif is_link_reason(e):
            reasons.append(e)
    return cluster_evidence(reasons, strong)


def is_link_reason(entry: str) -> bool:
    """An evidence entry that came from a link between two mentions (not a strong id, not an "only mention")."""
    head = entry.split(" ", 1)[0]
    return head not in STRONG_EVIDENCE_KINDS and not entry.startswith("only mention: ")


def _cluster_name(ctxs: Sequence[SlotContext]) -> str:
    profile_names = [m.name for c in ctxs for m in c.slot.mentions if m.profile]
    if profile_names:
        return min(profile_names)
    return name_from_counts(spelling_counts(ctxs))


def spelling_counts(ctxs: Iterable[SlotContext]) -> dict[str, int]:
    """How many of a researcher's slots go by each spelling (kept on the node as `name_counts`)."""
    counts: dict[str, int] = defaultdict(int)
    for c in ctxs:
        counts[c.slot.name] += 1
    return dict(counts)


def name_from_counts(counts: dict[str, int]) -> str:
    """The display name: the most used spelling; on a tie the fuller one, and "Ada Lovelace" over "Lovelace,
    Ada" (the display form, not the catalogue form)."""
    return max(counts, key=lambda n: (counts[n], given_len(n), "," not in n, n))


def _cluster_id(ctxs: Sequence[SlotContext], st: dict[str, list[str]], name: str) -> tuple[str, str]:
    for kind in ("orcid", "openalex", "profile"):
        if st.get(kind):
            return f"{kind}:{st[kind][0]}", kind
    if st.get("src"):
        # a person known by a source's own id ("csv:<author_id>"): that id, already scoped to its source
        return st["src"][0], "source-id"
    smallest = min(c.key for c in ctxs)
    return f"name:{name_key(name)}:{short_hash(smallest, 8)}", "name-cluster"


def researcher_strong_id(orcid: str | None, openalex: str | None, profile: str | None) -> str | None:
    for kind, v in (("orcid", orcid), ("openalex", openalex), ("profile", profile)):
        if v:
            return f"{kind}:{v}"
    return None
