"""Labeled identity data as slot contexts with their truth: the arnetminer development set (people labeled by hand)
and OpenAlex works whose author ids are hidden from the resolver and kept as the truth.

Both `kg identity train` and bench/identity_eval.py read their data through here, so the model is trained and
measured on exactly the slots the resolver sees (parse → slots → contexts, no database).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.identity.context import SlotContext, category_label
from kg.identity.mentions import mention_from_author, unify_mentions
from kg.identity.names import block_key, name_key
from kg.identity.works import best_id, work_typed_ids
from kg.models import AuthorRef, WorkRecord
from kg.normalize import normalize_openalex, normalize_orcid

IDENTITY_COAUTHOR_CAP = 50


def shared_data_dir() -> Path:
    """../shared/data next to the repository (where the labeled sets live)."""
    return Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass
class LabeledSet:
    """Slot contexts of a corpus and the true person behind each labeled slot (slot key → person id)."""

    name: str
    contexts: list[SlotContext] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)
    # the group a slot is scored in: the arnetminer name file, or the name block for OpenAlex
    group: dict[str, str] = field(default_factory=dict)


def read_works(paths: Iterable[Path]) -> list[WorkRecord]:
    from kg.sources import parsers

    out: list[WorkRecord] = []
    for p in paths:
        out.extend(r for r in parsers.iter_records([str(p)]) if isinstance(r, WorkRecord))
    return out


def _hidden(a: AuthorRef) -> AuthorRef:
    return a.model_copy(update={"orcid": None, "openalex_id": None, "source_id": None})


def work_contexts(rec: WorkRecord, *, hide_ids: bool = True) -> list[tuple[SlotContext, list[AuthorRef]]]:
    """The slot contexts of one work record, each with the author refs behind it (ids hidden from the slots when
    `hide_ids`): what the resolve stage builds for a work, from the record alone."""
    wid = best_id(work_typed_ids(rec))
    pairs = []
    for a in rec.authors:
        if not a.name.strip():
            continue
        shown = _hidden(a) if hide_ids else a
        pairs.append((mention_from_author(shown, rec.prov.source, rec.authors_truncated), a))
    slots = unify_mentions(wid, [m for m, _ in pairs])
    topics = {t.id: t.name or t.id for t in rec.topics}
    topics.update({f"cat:{category_label(c)}": c for c in rec.categories})
    refs = frozenset(x for x in (normalize_openalex(r, "W") for r in rec.references) if x)
    out = []
    for s in slots:
        coauthors = (
            {block_key(o.name): o.name for o in slots if o is not s}
            if len(slots) <= IDENTITY_COAUTHOR_CAP
            else {}
        )
        ctx = SlotContext(
            slot=s,
            work_ids=set(work_typed_ids(rec)),
            coauthors=coauthors,
            topics=topics,
            venue=rec.venue,
            year=rec.year,
            title=rec.title,
            abstract=rec.abstract,
            references=refs,
        )
        out.append((ctx, [a for m, a in pairs if m in s.mentions]))
    return out


def arnetminer(directory: Path | None = None) -> LabeledSet:
    """The arnetminer development set: every slot of every work; the labeled mention of each work has its person,
    grouped by the name file it comes from."""
    d = directory or shared_data_dir() / "identity" / "arnetminer-dev"
    truth_rows = [
        json.loads(line) for line in (d / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]
    by_pos = {(normalize_openalex(t["work_id"], "W"), int(t["position"]) + 1): t for t in truth_rows}
    out = LabeledSet(name="arnetminer")
    for rec in read_works([d / "works.jsonl"]):
        oa = normalize_openalex(rec.ids.openalex, "W")
        for ctx, refs in work_contexts(rec):
            out.contexts.append(ctx)
            for a in refs:
                t = by_pos.get((oa, a.position))
                if t is not None:
                    out.truth[ctx.key] = t["person"]
                    out.group[ctx.key] = t["person"].split("#", 1)[0]
    return out


def openalex_default_paths() -> list[Path]:
    d = shared_data_dir() / "openalex"
    return sorted([*d.glob("works_sample*.jsonl"), *(d / "api_pages").glob("*.json*")])


def openalex(paths: Sequence[Path] | None = None) -> LabeledSet:
    """OpenAlex works with their author ids hidden: a slot's truth is its OpenAlex author id (its ORCID when it has
    no OpenAlex id). The same work in two files is read once (first by path)."""
    out = LabeledSet(name="openalex")
    seen: set[str] = set()
    for rec in read_works(paths or openalex_default_paths()):
        wid = best_id(work_typed_ids(rec))
        if wid in seen:
            continue
        seen.add(wid)
        for ctx, refs in work_contexts(rec):
            out.contexts.append(ctx)
            ids = {normalize_openalex(a.openalex_id, "A") or normalize_orcid(a.orcid) for a in refs} - {None}
            if len(ids) == 1:
                out.truth[ctx.key] = f"openalex:{ids.pop()}"
                out.group[ctx.key] = block_key(ctx.slot.name)
    return out


_PART = re.compile(r"^(doi:.+)\.\d+$")


def book_parts(ls: LabeledSet) -> dict[str, str]:
    """Labeled slots no evidence can tell apart: the one author of the parts of one book under one written name.

    A part is a work whose DOI is the DOI of another work of the set plus a numeric suffix (a chapter, its index,
    its references: 10.4337/9781035335510.00016 of the book 10.4337/9781035335510). Slot key → "book DOI#name
    key" for each sole-author slot of a book or of its parts; other slots are absent. Such slots share the name,
    the book, its year and publisher and have no co-authors: a resolver that parts them parts them on nothing."""
    dois = {w for c in ls.contexts for w in c.work_ids if w.startswith("doi:")}
    book_of = {w: m.group(1) for w in dois if (m := _PART.match(w)) and m.group(1) in dois}
    books = set(book_of.values())
    slots_of_work = Counter(frozenset(c.work_ids) for c in ls.contexts)
    out: dict[str, str] = {}
    for c in ls.contexts:
        if c.key not in ls.truth or slots_of_work[frozenset(c.work_ids)] != 1:
            continue
        book = next((book_of.get(w, w) for w in sorted(c.work_ids) if w in book_of or w in books), None)
        if book is not None:
            out[c.key] = f"{book}#{name_key(c.slot.name)}"
    return out


def truth_as_evidence_tells(ls: LabeledSet) -> dict[str, str]:
    """The truth with the people behind one `book_parts` group made one: what a resolver that keeps each book's
    sole-author parts together and is right everywhere else would output. Scored against the truth, it is the
    ceiling such a resolver can reach on these labels (bench/identity_eval.py --truth-bound)."""
    from kg.resolve.works import key_components  # people joined by the book groups they share

    joined = key_components((ls.truth[key], group) for key, group in book_parts(ls).items())
    return {k: joined.get(p, p) for k, p in ls.truth.items()}
