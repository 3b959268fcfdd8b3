"""What one record says, as rows: a profile page's mention of its person, its strong ids and fields, institutions
and topics a record names. Pure functions, shared by every engine."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from kg import identity
from kg.identity import Cluster, name_key, rank
from kg.models import InstitutionRecord, InstitutionRef, ResearcherRecord
from kg.normalize import normalize_openalex, normalize_orcid, normalize_ror
from kg.resolve.tables import RESEARCHER_RECORD_FIELDS


def researcher_record_strong(rec: ResearcherRecord) -> list[str]:
    """The record's strong ids, typed, best first (orcid, openalex, profile, Semantic Scholar)."""
    ids = rec.ids
    given = (
        ("orcid", normalize_orcid(ids.orcid)),
        ("openalex", normalize_openalex(ids.openalex, "A")),
        ("profile", ids.profile),
        ("s2", ids.s2),
    )
    return [f"{kind}:{v}" for kind, v in given if v]


def researcher_record_id(rec: ResearcherRecord) -> str:
    """The researcher a record describes when no cluster holds its ids: its best strong id, or name and page."""
    strong = researcher_record_strong(rec)
    if strong:
        return strong[0]
    return f"profile:{name_key(rec.name)}@{identity.short_hash(rec.prov.ref, 8)}"


def researcher_record_values(rec: ResearcherRecord) -> dict[str, Any]:
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


def strong_group(strong: list[str]) -> dict[str, set[str]]:
    """Typed strong ids ("orcid:…") as kind → ids: what a researcher record says is one person."""
    g: dict[str, set[str]] = {}
    for x in strong:
        k, v = x.split(":", 1)
        if k == "s2":  # a source's author id is kept typed, under the "src" kind (see kg.identity.Mention)
            g.setdefault("src", set()).add(x)
        else:
            g.setdefault(k, set()).add(v)
    return g


def apply_aliases(cl: Cluster, groups: list[dict[str, set[str]]]) -> None:
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


def institution_row(
    ref: InstitutionRef | InstitutionRecord, source: str, record_ref: str
) -> dict[str, Any] | None:
    iid = identity.institution_id(ref)
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
        "rank": identity.rank(source),
        "owner": record_ref,
        "record_ref": record_ref,
        "entity": isinstance(ref, InstitutionRecord),
    }


def researcher_props(
    clusters: list[dict[str, Any]],
    records: list[tuple[int, dict[str, Any], str, list[str]]],
    *,
    record: ResearcherRecord | None = None,
) -> dict[str, Any]:
    """A researcher's properties: identity from its clusters (rows of the cluster table, the one with the most
    members first) or, with none, from its record; profile fields won by the best-ranked source. `records`:
    (rank, field values, source, names) of every record describing it."""
    cands: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    rec_sources: set[str] = set()
    rec_names: set[str] = set()
    for r, vals, src, names in records:
        rec_sources.add(src)
        rec_names.update(n for n in names if n)
        for f in RESEARCHER_RECORD_FIELDS:
            v = vals.get(f)
            if v is not None:
                cands[f].append((r, v))
    props: dict[str, Any] = {}
    for f in RESEARCHER_RECORD_FIELDS:
        if cands[f]:
            _, v = max(cands[f], key=lambda c: (c[0], json.dumps(c[1], sort_keys=True)))
            props[f] = v
        else:
            props[f] = None
    if props.get("affiliation_status") is None:
        props["affiliation_status"] = "unknown"
    if clusters:
        main = clusters[0]
        strong = {x for c in clusters for x in c["strong"] or []}
        all_names = {n for c in clusters for n in c["names"] or []} | rec_names
        props.update(
            {
                "name": main["name"],
                "name_key": name_key(main["name"]),
                "block_key": identity.block_key(main["name"]),
                "aliases": sorted(all_names - {main["name"]}),
                "orcid": _first_of_kind(strong, "orcid"),
                "openalex_id": _first_of_kind(strong, "openalex"),
                "profile_key": _first_of_kind(strong, "profile"),
                "identity_method": main["method"],
                "identity_confidence": main["confidence"],
                "identity_evidence": list(main["evidence"] or []),
                "sources": sorted({x for c in clusters for x in c["sources"] or []} | rec_sources),
                "mention_count": sum(int(c["members"]) for c in clusters),
            }
        )
    else:
        assert record is not None
        name = record.name.strip()
        props.update(
            {
                "name": name,
                "name_key": name_key(name),
                "block_key": identity.block_key(name),
                "aliases": sorted(rec_names - {name}),
                "orcid": normalize_orcid(record.ids.orcid),
                "openalex_id": normalize_openalex(record.ids.openalex, "A"),
                "profile_key": record.ids.profile or None,
                "identity_method": "orcid"
                if record.ids.orcid
                else "openalex"
                if record.ids.openalex
                else "profile",
                "identity_confidence": 1.0,
                "identity_evidence": [f"{record.prov.source} record {record.prov.ref}"],
                "sources": sorted(rec_sources),
                "mention_count": 0,
            }
        )
    return props


def _first_of_kind(strong: set[str], kind: str) -> str | None:
    vals = sorted(x.split(":", 1)[1] for x in strong if x.startswith(kind + ":"))
    return vals[0] if vals else None


def record_entry(rec: ResearcherRecord) -> tuple[int, dict[str, Any], str, list[str]]:
    return (rank(rec.prov.source), researcher_record_values(rec), rec.prov.source, [*rec.aliases, rec.name])
