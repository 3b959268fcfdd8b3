"""Researcher clustering of one name block: strong ids and curated decisions as constraints, the pairwise model's
probabilities between the rest, agglomerative clustering over them (the model's linkage: average, single, guarded
single or two-step) cut at the threshold chosen by cross-validation, a confidence per slot and human-readable
evidence per researcher.

Constraints, in order: a curated SAME_AS joins its slots (only a curated NOT_SAME_AS and the one-paper rule stop it);
the same strong id (ORCID, OpenAlex author, profile, a source's own author id) joins its slots; nothing ever joins two
different ids of one kind, two authors of one paper, two sides of a curated NOT_SAME_AS, or spellings that cannot be
one person ("Xiang Song" and "Xin Song", whoever bridges them). Everything is a function of the set of slots and
decisions: slots are put in a canonical order first and every tie is broken on it.
"""

from __future__ import annotations

import heapq
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations

import numpy as np

from kg.identity.context import Cluster, Decision, SlotContext, bare_openalex
from kg.identity.features import (
    FEATURE_NAMES,
    SlotEvidence,
    block_evidence,
    feature_matrix,
    wants_meaning,
    words,
)
from kg.identity.mentions import Slot
from kg.identity.merge import group_pair_matrix
from kg.identity.model import GroupScorer, PairScorer, default_model
from kg.identity.names import given_compatible, given_len, name_key
from kg.identity.probe import _STRONG_KINDS, _features
from kg.normalize import short_hash

# Kept for callers that report it: the old hand-set evidence threshold is gone, the model's threshold replaces it.
LINK_THRESHOLD = 1.0
# Co-authors are identity evidence on works with at most this many authors: on a 1,000-author collaboration,
# sharing a co-author says little about who is who, and reading every such list would dominate the load.
IDENTITY_COAUTHOR_CAP = 50
# A block is scored pair by pair in full while it has at most this many candidate pairs (pairs with at least one
# slot without a strong id); past it, only pairs sharing some evidence (co-author, institution, venue, topic, title
# word: kg.identity.probe) are scored, each feature read only while at most FEATURE_PAIR_CAP slots share it.
ALL_PAIRS_LIMIT = 200_000
FEATURE_PAIR_CAP = 200
# The two-step linkage's second step scores the groups again after each round of joins, at most this many rounds.
GROUP_ROUNDS = 4


def _candidate_pairs(order: Sequence[SlotContext], roots: Sequence[int]) -> list[tuple[int, int]]:
    """The pairs worth a model score: different works, compatible names, and not already decided by strong ids (two
    slots with a strong id of the same kind are one person by it, or never). Pairs are found without enumerating a
    block's every pair: a block whose slots all carry ids of one kind costs nothing."""
    n = len(order)
    kinds = [frozenset(k for k in _STRONG_KINDS if c.slot.strong(k)) for c in order]
    weak = [i for i in range(n) if not kinds[i]]
    by_kinds: dict[frozenset[str], list[int]] = defaultdict(list)
    for i in range(n):
        if kinds[i]:
            by_kinds[kinds[i]].append(i)
    kind_sets = sorted(by_kinds, key=sorted)
    mixed = [(a, b) for a, b in combinations(kind_sets, 2) if not (a & b)]
    count = len(weak) * n + sum(len(by_kinds[a]) * len(by_kinds[b]) for a, b in mixed)
    raw: Iterable[tuple[int, int]]
    if count <= ALL_PAIRS_LIMIT:
        found: set[tuple[int, int]] = set()
        for i in weak:
            found.update((min(i, j), max(i, j)) for j in range(n) if j != i)
        for a, b in mixed:
            found.update((min(i, j), max(i, j)) for i in by_kinds[a] for j in by_kinds[b])
        raw = sorted(found)
    else:
        inverted: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(order):
            for f in _features(c) | {f"w:{w}" for w in words(c.title)}:
                inverted[f].append(i)
        shared: set[tuple[int, int]] = set()
        for members in inverted.values():
            if len(members) <= FEATURE_PAIR_CAP:
                shared.update((x, y) for x, y in combinations(members, 2) if not (kinds[x] & kinds[y]))
        raw = sorted(shared)
    out = []
    for x, y in raw:
        if kinds[x] and kinds[y] and roots[x] == roots[y]:
            continue
        ca, cb = order[x], order[y]
        if ca.slot.work_id == cb.slot.work_id or not given_compatible(ca.slot.name, cb.slot.name):
            continue
        out.append((x, y))
    return out


def pair_probabilities(
    order: Sequence[SlotContext], pairs: Sequence[tuple[int, int]], scorer: PairScorer
) -> np.ndarray:
    """The model's probability for each pair (indices into `order`, the block in canonical order)."""
    return _scored(order, pairs, scorer)[2]


def _scored(
    order: Sequence[SlotContext], pairs: Sequence[tuple[int, int]], scorer: PairScorer
) -> tuple[list[SlotEvidence], dict[str, float], np.ndarray]:
    """The block's evidence, its statistics and the model's probability for each pair. The topic model reads the
    works only of blocks that reach the pairwise model, and only for a model trained on its output
    (kg.identity.meaning)."""
    names = scorer_features(scorer)
    ev, stats = block_evidence(order, meaning=wants_meaning(names))
    return ev, stats, scorer.predict(feature_matrix(ev, stats, pairs, names))


def scorer_features(scorer: PairScorer) -> tuple[str, ...]:
    """The pair features a scorer reads (the 22 of FEATURE_NAMES unless it says otherwise)."""
    return tuple(getattr(scorer, "features", FEATURE_NAMES))


def pair_reasons(a: SlotContext, b: SlotContext) -> list[str]:
    """What two slots share, in words a person checks: co-authors, institution, topics, venue, title words,
    references, a self-citation, the full name, close years."""
    why: list[str] = []
    own = {name_key(a.slot.name), name_key(b.slot.name)}
    from kg.identity.names import block_key

    own_blocks = {block_key(a.slot.name), block_key(b.slot.name)}
    for co in sorted((set(a.coauthors) & set(b.coauthors)) - own_blocks)[:3]:
        if name_key(a.coauthors[co]) not in own:
            why.append(f"shares co-author {a.coauthors[co]} on {a.slot.work_id} and {b.slot.work_id}")
    for inst in sorted(set(a.slot.institutions) & set(b.slot.institutions))[:1]:
        why.append(f"same institution {inst} on {a.slot.work_id} and {b.slot.work_id}")
    for t in sorted(set(a.topics) & set(b.topics))[:2]:
        why.append(f"shares topic {a.topics[t]} on {a.slot.work_id} and {b.slot.work_id}")
    if a.venue and b.venue and a.venue.casefold() == b.venue.casefold():
        why.append(f"same venue {a.venue}")
    shared_words = sorted(set(words(a.title)) & set(words(b.title)))
    if shared_words:
        why.append(f"title words in common: {', '.join(shared_words[:5])}")
    refs = a.references & b.references
    if refs:
        why.append(f"{len(refs)} shared references on {a.slot.work_id} and {b.slot.work_id}")
    cites = bare_openalex(a.work_ids | b.work_ids)
    if (a.references | b.references) & cites:
        why.append(f"one of {a.slot.work_id} and {b.slot.work_id} cites the other")
    if why and _full_name_match(a.slot.name, b.slot.name):
        why.append(f"same full name {a.slot.name}")
    if why and a.year and b.year and abs(a.year - b.year) <= 3:
        why.append(f"close years {min(a.year, b.year)}–{max(a.year, b.year)}")
    return why


def _full_name_match(a: str, b: str) -> bool:
    from kg.identity.names import split_name

    given_a, _ = split_name(a)
    spelled = [g for g in given_a if len(g.strip(".")) > 1]
    return bool(spelled) and name_key(a) == name_key(b)


class _Groups:
    """The slots of one block as groups joined under constraints (union-find): per root, the works, strong ids,
    NOT_SAME_AS sides, spellings, whether a curated decision made it, and the evidence that joined it."""

    def __init__(self, order: Sequence[SlotContext], decisions: Sequence[Decision]) -> None:
        self.parent = list(range(len(order)))
        self.works: list[set[str]] = [{c.slot.work_id} for c in order]
        self.strong: list[dict[str, set[str]]] = [
            {k: set(c.slot.strong(k)) for k in _STRONG_KINDS if c.slot.strong(k)} for c in order
        ]
        self.sides: list[set[tuple[str, str]]] = [set() for _ in order]
        # every spelling in a component must fit every spelling in the other: "X. Song" may not bridge
        # "Xiang Song" and "Xin Song" into one person
        self.spellings: list[set[str]] = [set(c.slot.names) for c in order]
        self.curated: list[bool] = [False] * len(order)
        self.evidence: list[list[str]] = [[] for _ in order]
        self.anchor_index: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(order):
            for a in c.anchors:
                self.anchor_index[a].append(i)
        for d in decisions:
            if d.kind != "NOT_SAME_AS":
                continue
            for side, anchors in (("a", d.anchors_a), ("b", d.anchors_b)):
                for a in anchors:
                    for i in self.anchor_index.get(a, []):
                        self.sides[i].add((d.id, side))

    def members(self) -> dict[int, list[int]]:
        """Each group's slots by root, in slot order (a root comes in the order of its group's first slot)."""
        out: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            out[self.find(i)].append(i)
        return out

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def allowed(self, ra: int, rb: int, *, check_strong: bool, spelling: bool = True) -> bool:
        if self.works[ra] & self.works[rb]:
            return False  # two authors of one paper are two people
        if (
            check_strong
            and spelling
            and not all(given_compatible(x, y) for x in self.spellings[ra] for y in self.spellings[rb])
        ):
            return False
        for did, side in self.sides[ra]:
            if (did, "b" if side == "a" else "a") in self.sides[rb]:
                return False
        if check_strong:
            for k in _STRONG_KINDS:
                sa, sb = self.strong[ra].get(k), self.strong[rb].get(k)
                if sa and sb and not (sa & sb):
                    return False
        return True

    def union(self, ra: int, rb: int) -> int:
        lo, hi = min(ra, rb), max(ra, rb)
        self.parent[hi] = lo
        self.works[lo] |= self.works[hi]
        for k, v in self.strong[hi].items():
            self.strong[lo].setdefault(k, set()).update(v)
        self.sides[lo] |= self.sides[hi]
        self.spellings[lo] |= self.spellings[hi]
        self.curated[lo] = self.curated[lo] or self.curated[hi]
        self.evidence[lo].extend(self.evidence[hi])
        return lo


def _join_curated(g: _Groups, decisions: Sequence[Decision]) -> None:
    """Curated SAME_AS: overrides everything but a curated NOT_SAME_AS and the one-paper rule."""
    for d in sorted(decisions, key=lambda d: d.id):
        if d.kind != "SAME_AS":
            continue
        members = sorted({i for a in d.anchors_a | d.anchors_b for i in g.anchor_index.get(a, [])})
        if not members:
            continue
        for i in members[1:]:
            ra, rb = g.find(members[0]), g.find(i)
            if ra != rb and g.allowed(ra, rb, check_strong=False):
                g.union(ra, rb)
        root = g.find(members[0])
        g.curated[root] = True
        note = f"curated SAME_AS by {d.by or 'unknown'} at {d.at}"
        g.evidence[root].append(f"{note}: {d.why}" if d.why else note)
        if d.claim and d.claim.startswith("profile:"):
            g.strong[root].setdefault("profile", set()).add(d.claim.split(":", 1)[1])


def _join_strong_ids(g: _Groups, order: Sequence[SlotContext]) -> None:
    """Hard links: the same strong id (ORCID, OpenAlex author, profile, CSV author id)."""
    by_strong: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(order):
        for k in _STRONG_KINDS:
            for v in sorted(c.slot.strong(k)):
                by_strong[(k, v)].append(i)
    for strong_key, members in sorted(by_strong.items()):
        for i in members[1:]:
            ra, rb = g.find(members[0]), g.find(i)
            # a source's own author id is the user's word that these mentions are one person, whatever the
            # spellings ("A. Lovelace", "Ada Lovelace"); it still never joins two different ids of any kind
            if ra != rb and g.allowed(ra, rb, check_strong=True, spelling=strong_key[0] != "src"):
                g.union(ra, rb)


def _group_links(
    g: _Groups, pairs: Sequence[tuple[int, int]], probs: np.ndarray
) -> dict[int, dict[int, list[float]]]:
    """links[root][other root] = [sum of probabilities, scored pairs, best probability, best pair's x, y]."""
    links: dict[int, dict[int, list[float]]] = defaultdict(dict)
    for (x, y), p in zip(pairs, probs, strict=True):
        rx, ry = g.find(x), g.find(y)
        if rx == ry:
            continue
        entry = links[rx].get(ry)
        if entry is None:
            entry = [0.0, 0.0, -1.0, 0.0, 0.0]
            links[rx][ry] = entry
            links[ry][rx] = entry
        entry[0] += float(p)
        entry[1] += 1
        if p > entry[2]:
            entry[2:] = [float(p), float(x), float(y)]
    return links


def _agglomerate(
    g: _Groups,
    order: Sequence[SlotContext],
    links: dict[int, dict[int, list[float]]],
    threshold: float,
    how: str | None,
    label: str = "model",
    floor: float = 0.0,
) -> None:
    """Join groups best link first (average or single linkage) while the link reaches the threshold and the
    constraints allow it; a join merges the two groups' links to the rest. `label` names the model in the
    evidence ("model": the pairwise model, whose best pair probability is quoted; "group model": the second step,
    whose score for the two groups is quoted with the best pair between them).

    `floor` is a cluster-level check on single linkage: two groups join only while the mean probability of the
    pairs scored between them also reaches it, so one strong pair cannot chain two people's groups into one (on
    the development set, single linkage alone grew one "Jing Zhang" of 23 papers into a researcher of 134 slots
    holding many people). A pair refused by the floor is looked at again when either group changes."""
    version = [0] * len(order)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(ga: int, gb: int) -> None:
        lo, hi = min(ga, gb), max(ga, gb)
        e = links[lo][hi]
        mean = e[2] if how == "single" else e[0] / e[1]
        if mean >= threshold:
            heapq.heappush(heap, (-mean, lo, hi, version[lo], version[hi]))

    for ga in sorted(links):
        for gb in sorted(links[ga]):
            if ga < gb:
                push(ga, gb)
    while heap:
        _, ga, gb, va, vb = heapq.heappop(heap)
        if g.parent[ga] != ga or g.parent[gb] != gb or version[ga] != va or version[gb] != vb:
            continue
        e = links[ga][gb]
        if floor and e[0] / e[1] < floor:
            continue  # kept in links: a later join of either group pushes it again with its new mean
        links[ga].pop(gb)
        links[gb].pop(ga, None)
        if not g.allowed(ga, gb, check_strong=True):
            continue  # a cannot-link between them holds for every group either joins later too
        bx, by = int(e[3]), int(e[4])
        reasons = pair_reasons(order[bx], order[by])
        reasons.append(
            f"{label}: {e[2]:.2f} that {order[bx].slot.name} on {order[bx].slot.work_id} and "
            f"{order[by].slot.name} on {order[by].slot.work_id} are one person"
        )
        lo = g.union(ga, gb)
        hi = gb if lo == ga else ga
        g.evidence[lo].extend(reasons)
        version[lo] += 1
        merged: dict[int, list[float]] = {}
        for grp in (lo, hi):
            for other, oe in links.pop(grp, {}).items():
                links[other].pop(grp, None)
                m = merged.get(other)
                if m is None:
                    merged[other] = list(oe)
                else:
                    m[0] += oe[0]
                    m[1] += oe[1]
                    if oe[2] > m[2]:
                        m[2:] = oe[2:]
        for other, m in merged.items():
            links[lo][other] = m
            links[other][lo] = m
        for other in sorted(merged):
            push(lo, other)


def _group_merge_links(
    g: _Groups,
    order: Sequence[SlotContext],
    evidence: Sequence[SlotEvidence],
    stats: dict[str, float],
    pairs: Sequence[tuple[int, int]],
    probs: np.ndarray,
    scorer: GroupScorer,
) -> dict[int, dict[int, list[float]]]:
    """The second step's links: every two groups with a scored pair between them, scored by the group model from
    their pooled evidence. links[root][other root] = [score, 1, score, best pair's x, y] (the layout _agglomerate
    reads: average linkage then averages the scores of the first-step groups two groups hold)."""
    between: dict[tuple[int, int], list[float]] = defaultdict(list)
    best: dict[tuple[int, int], tuple[float, int, int]] = {}
    for (x, y), p in zip(pairs, probs, strict=True):
        rx, ry = g.find(x), g.find(y)
        if rx == ry:
            continue
        k = (min(rx, ry), max(rx, ry))
        between[k].append(float(p))
        if k not in best or p > best[k][0]:
            best[k] = (float(p), x, y)
    links: dict[int, dict[int, list[float]]] = defaultdict(dict)
    if not between:
        return links
    keys, features = group_pair_matrix(evidence, stats, g.members(), between)
    for (a, b), q in zip(keys, scorer.predict(features), strict=True):
        _, x, y = best[(a, b)]
        entry = [float(q), 1.0, float(q), float(x), float(y)]
        links[a][b] = entry
        links[b][a] = entry
    return links


def _make_clusters(
    g: _Groups, order: Sequence[SlotContext], pairs: Sequence[tuple[int, int]], probs: np.ndarray
) -> list[Cluster]:
    """One Cluster per group, with its id, method, evidence and a confidence per slot: how sure each slot's place
    is: its mean probability with the slots it joined, or, alone, the chance it is none of the others."""
    joined_p: dict[int, list[float]] = defaultdict(list)
    best_other: dict[int, float] = defaultdict(float)
    for (x, y), p in zip(pairs, probs, strict=True):
        if g.find(x) == g.find(y):
            joined_p[x].append(float(p))
            joined_p[y].append(float(p))
        else:
            best_other[x] = max(best_other[x], float(p))
            best_other[y] = max(best_other[y], float(p))

    clusters: list[Cluster] = []
    for root, members in g.members().items():
        ctxs = [order[i] for i in members]
        st = {k: sorted(v) for k, v in g.strong[root].items()}
        name = _cluster_name(ctxs)
        cid, method = _cluster_id(ctxs, st, name)
        if g.curated[root]:
            method = "curated"
        slot_conf: dict[str, float] = {}
        for i in members:
            c = order[i]
            tier = strong_slot_confidence(c.slot)
            if tier == 1.0:
                conf = 1.0
            elif g.curated[root]:
                conf = 0.95
            elif tier is not None:
                conf = tier
            elif joined_p.get(i):
                conf = sum(joined_p[i]) / len(joined_p[i])
            elif i in best_other:
                conf = 1.0 - best_other[i]
            else:
                conf = 0.6  # alone in its block: nothing ties it to anyone else, nothing splits it either
            slot_conf[c.key] = round(conf, 3)
        ev_text = cluster_evidence(g.evidence[root], st)
        if len(members) == 1 and not ev_text:
            ev_text = [f"only mention: {ctxs[0].slot.name} on {ctxs[0].slot.work_id}"]
        conf_all = (
            1.0 if method in FLAT_CONFIDENCE_METHODS else round(sum(slot_conf.values()) / len(slot_conf), 3)
        )
        clusters.append(
            Cluster(
                id=cid,
                method=method,
                members=ctxs,
                confidence=conf_all,
                evidence=ev_text[:20],
                slot_confidence=slot_conf,
                strong=st,
                name=name,
            )
        )
    clusters.sort(key=lambda c: c.id)
    return clusters


def link_groups(
    g: _Groups,
    order: Sequence[SlotContext],
    evidence: Sequence[SlotEvidence],
    stats: dict[str, float],
    pairs: Sequence[tuple[int, int]],
    probs: np.ndarray,
    scorer: PairScorer,
    how: str,
) -> None:
    """The model's step of cluster_block, on groups already joined by the constraints: average or single linkage
    over the pair probabilities at the model's threshold; "guarded": single linkage whose every join also needs
    the mean probability between the two groups to reach the model's `floor`; or "two-step": precise groups first
    (single linkage at the model's threshold), then those groups joined by their pooled evidence (the model's group
    scorer), average linkage over its scores at its own threshold."""
    if how == "guarded":
        floor = float(getattr(scorer, "floor", 0.0))
        _agglomerate(g, order, _group_links(g, pairs, probs), scorer.threshold, "single", floor=floor)
        return
    if how != "two-step":
        _agglomerate(g, order, _group_links(g, pairs, probs), scorer.threshold, how)
        return
    _agglomerate(g, order, _group_links(g, pairs, probs), scorer.threshold, "single")
    group: GroupScorer | None = getattr(scorer, "group", None)
    if group is None:
        return
    for _ in range(GROUP_ROUNDS):
        # the groups a round joins pool more evidence: the next round scores them again, until nothing joins
        before = len({g.find(i) for i in range(len(order))})
        links = _group_merge_links(g, order, evidence, stats, pairs, probs, group)
        _agglomerate(g, order, links, group.threshold, "average", label="group model")
        if len({g.find(i) for i in range(len(order))}) == before:
            break


def cluster_block(
    slots: Sequence[SlotContext],
    decisions: Sequence[Decision] = (),
    *,
    model: PairScorer | None = None,
    linkage: str | None = None,
) -> list[Cluster]:
    """Researchers for the slots of one name block: a function of the set of slots and decisions.

    `model` scores candidate pairs (default: the model shipped in the package, kg.identity.model); `linkage` is how
    two groups' pair probabilities combine ("average" or "single"; "guarded": single linkage under the model's
    floor on the mean probability between two groups; or "two-step": single linkage at the model's
    threshold, then the model's group scorer joins those groups by their pooled evidence, average linkage at its
    own threshold; default: the model's own)."""
    order = sorted(slots, key=lambda c: (c.key, json.dumps(sorted(m.to_json() for m in c.slot.mentions))))
    g = _Groups(order, decisions)
    _join_curated(g, decisions)  # 1. curated SAME_AS
    _join_strong_ids(g, order)  # 2. the same strong id
    # 3. the model's probability for every candidate pair, then linkage over them, best first (link_groups)
    pairs = _candidate_pairs(order, [g.find(i) for i in range(len(order))])
    probs = np.zeros(0)
    if pairs:
        scorer = model or default_model()
        evidence, stats, probs = _scored(order, pairs, scorer)
        link_groups(g, order, evidence, stats, pairs, probs, scorer, linkage or scorer.linkage)
    return _make_clusters(g, order, pairs, probs)


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
