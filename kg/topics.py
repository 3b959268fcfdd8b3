"""Topics for works without source topics, keyphrases, and each researcher's derived topic profile (WORKS_ON).

Two assigners share one interface (`assign_rows`): the learned classifier of kg/topic_model.py (method
"learned-v1": the default whenever a trained model is found: `.kg/topics/topic_model.npz` from `kg topics train`,
else the one shipped in the package), and the phrase matcher below (method "vocab-v1": no training, the taxonomy
alone), kept as the fallback and as a signal the learned model reads (its taxonomy phrases).
`assign_topics(rows)` is the pure entry point (no database); `assign_for_works` runs it on works in Neo4j.

The phrase vocabulary is kg/topic_vocab.py, the phrase matcher and its scoring kg/topic_match.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from neo4j import Driver
from spacy.tokens import Doc

from kg import graphdb
from kg.config import REPO_ROOT, Settings, get_settings
from kg.errors import NotFound
from kg.graphdb import catalog
from kg.taxonomy import default_path, read_taxonomy
from kg.topic_match import KEYPHRASES, TopicAssigner
from kg.topic_model import SECONDARY_WEIGHT, ScoredTopic, TermExtractor, TopicContext, TopicModel, TopicRow
from kg.topic_vocab import default_pipeline

SOURCE_METHOD = "source"
MODEL_FILE = "topic_model.npz"
# `kg topics train` writes here; a fresh install reads the model shipped in the package
TRAINED_MODEL = REPO_ROOT / ".kg" / "topics" / MODEL_FILE
PACKAGED_MODEL = Path(__file__).resolve().parent / "data" / "topics" / MODEL_FILE
# graph context read per work: at most this many cited works, and this many other works per author
CONTEXT_LIMIT = 50


@dataclass
class LearnedAssigner:
    """The learned classifier with its spaCy term extractor: one spaCy pass per work gives its terms (for the
    model) and its keyphrases."""

    model: TopicModel
    extractor: TermExtractor

    @property
    def method(self) -> str:
        return self.model.method

    @classmethod
    def load(cls, path: Path) -> LearnedAssigner:
        model = TopicModel.load(path)
        return cls(model, TermExtractor(default_pipeline(), model.phrases))

    def assign_rows(
        self, rows: Sequence[TopicRow], context: TopicContext | None = None
    ) -> list[tuple[list[ScoredTopic], list[str]]]:
        analysed = self.extractor.terms_and_keyphrases(rows, KEYPHRASES)
        found = self.model.assign_terms(rows, [terms for terms, _ in analysed], context)
        return list(zip(found, [kps for _, kps in analysed], strict=True))


Assigner = TopicAssigner | LearnedAssigner


@lru_cache(maxsize=4)
def _assigner_for(path: Path) -> TopicAssigner:
    return TopicAssigner.from_taxonomy(path)


@lru_cache(maxsize=2)
def _learned_for(path: Path, mtime: float) -> LearnedAssigner:
    return LearnedAssigner.load(path)


def model_path() -> Path | None:
    """The model assignment uses: the one `kg topics train` wrote, else the packaged one, else none."""
    for p in (TRAINED_MODEL, PACKAGED_MODEL):
        if p.is_file():
            return p
    return None


@lru_cache(maxsize=4)
def _taxonomy_topic_ids(path: Path, mtime: float) -> frozenset[str]:
    return frozenset(n.id for n in read_taxonomy(path, with_arxiv=False).by_level("topic"))


def get_assigner(
    settings: Settings | None = None, path: Path | None = None, *, learned: bool | None = None
) -> Assigner:
    """The process-wide assigner for the taxonomy file (`path`, else the configured one): the learned model
    when one is found and it was trained on the same topics (a model knows nothing of another taxonomy's
    topics), else the phrase matcher over the taxonomy (built or loaded from the cache once). `learned=True`
    takes the model whatever the taxonomy, `learned=False` the phrase matcher."""
    tax_path = (path or default_path(settings)).resolve()
    mp = model_path() if learned is not False else None
    if mp is not None:
        found = _learned_for(mp.resolve(), mp.stat().st_mtime)
        if learned or not tax_path.is_file():
            return found
        if frozenset(found.model.topic_ids) == _taxonomy_topic_ids(tax_path, tax_path.stat().st_mtime):
            return found
    return _assigner_for(tax_path)


def assign_topics(
    rows: Sequence[TopicRow], *, context: TopicContext | None = None, assigner: Assigner | None = None
) -> list[list[ScoredTopic]]:
    """The pure entry point: for each row (work id, title, abstract, venue, categories, keyphrases, references,
    author ids), its topics (topic id, score, method, level, evidence), best first. `context` holds what the
    graph knows (source topics of other works, who wrote what); without it the graph signals stay silent."""
    a = assigner or get_assigner()
    ctx = context if context is not None else TopicContext()
    return [found for found, _ in a.assign_rows(rows, ctx)]


# ---- the graph -----------------------------------------------------------------------------------------------


def _chunks(seq: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


# rows of `topics/works_to_assign` for a batch of work ids: the graph read, or the same rows from the stage
RowReader = Callable[[Sequence[str]], list[dict[str, Any]]]


def assign_for_works(
    driver: Driver,
    work_ids: Sequence[str],
    *,
    assigner: Assigner | None = None,
    settings: Settings | None = None,
    read_rows: RowReader | None = None,
    on_written: Callable[[list[dict[str, Any]]], None] | None = None,
) -> int:
    """Assign topics to the given works that have no source topics (no HAS_TOPIC {method: "source"} to an
    OpenAlex topic), replacing their earlier assigned topics (any method but "source"), and store keyphrases on
    every given work. The graph context (source topics of cited works and of the authors' other works) is read
    with the text, from the graph unless `read_rows` gives the same rows (the load's stage, when the graph
    carries its last write: kg.derive.topic_input). Works with source topics keep those and lose any stale
    assigned edge. `on_written` sees each batch's `topics/write_assigned` rows once written. Returns how many
    works got topics."""
    s = settings or get_settings()
    ids = list(dict.fromkeys(work_ids))
    if not ids:
        return 0
    a = assigner or get_assigner(s)
    ensure_topic_nodes(driver, settings=s)
    read = read_rows or (lambda batch: graph_read_rows(driver, batch, settings=s))
    assigned = 0
    for batch in _chunks(ids, max(1, s.derive_batch_size)):
        out_rows, n = assigned_rows(read(batch), a)
        assigned += n
        graphdb.run(
            driver,
            catalog.query("topics/write_assigned"),
            {"rows": out_rows, "method": a.method, "source": SOURCE_METHOD},
            write=True,
            settings=s,
        )
        if on_written is not None:
            on_written(out_rows)
    return assigned


def graph_read_rows(
    driver: Driver, ids: Sequence[str], *, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The text and graph context of the given works, read from the graph (`topics/works_to_assign`)."""
    return graphdb.run(
        driver,
        catalog.query("topics/works_to_assign"),
        {"ids": list(ids), "source": SOURCE_METHOD, "scheme": "openalex", "context_limit": CONTEXT_LIMIT},
        settings=settings,
    )


def assigned_rows(rows: Sequence[dict[str, Any]], a: Assigner) -> tuple[list[dict[str, Any]], int]:
    """`topics/write_assigned` rows for `topics/works_to_assign` rows (pure), and how many works got topics."""
    todo = [r for r in rows if not r["has_source"]]
    sourced = [r for r in rows if r["has_source"]]
    topic_rows, context = graph_rows(todo)
    out_rows = []
    assigned = 0
    for r, (found, kps) in zip(todo, a.assign_rows(topic_rows, context), strict=True):
        out_rows.append(
            {
                "id": r["id"],
                "keyphrases": kps,
                "topics": [{"id": x.topic_id, "score": x.score, "evidence": list(x.evidence)} for x in found],
            }
        )
        assigned += bool(found)
    # works with source topics get keyphrases only (and lose any stale assigned edge)
    for r, kps in zip(sourced, keyphrases_of(sourced), strict=True):
        out_rows.append({"id": r["id"], "keyphrases": kps, "topics": []})
    return out_rows, assigned


def scheme_topic_levels(
    driver: Driver, scheme: str = "openalex", *, settings: Settings | None = None
) -> list[tuple[str, str | None]]:
    """(id, level) of the graph's topics of a scheme (a few thousand rows): what a stage read of the context needs
    of the graph."""
    rows = graphdb.run(driver, catalog.query("topics/scheme_topics"), {"scheme": scheme}, settings=settings)
    return [(r["id"], r["level"]) for r in rows]


def graph_rows(records: Sequence[dict[str, Any]]) -> tuple[list[TopicRow], TopicContext]:
    """TopicRows and their graph context from `topics/works_to_assign` rows (pure)."""
    ctx = TopicContext()
    rows = []
    for r in records:
        cited = [c for c in r.get("cited") or [] if c]
        authors = [a for a in r.get("authors") or [] if a]
        for c in cited:
            ctx.work_topics[c["id"]] = _weighted(c["topics"])
        for a in authors:
            for o in a["works"] or []:
                if o:
                    ctx.work_topics[o["id"]] = _weighted(o["topics"])
                    ctx.author_works.setdefault(a["id"], []).append(o["id"])
        rows.append(
            TopicRow(
                work_id=r["id"],
                title=r.get("title") or "",
                abstract=r.get("abstract") or "",
                venue=r.get("venue") or "",
                categories=tuple(r.get("categories") or ()),
                references=tuple(c["id"] for c in cited),
                author_ids=tuple(a["id"] for a in authors),
            )
        )
    return rows, ctx


def _weighted(topic_ids: Sequence[str]) -> list[tuple[str, float]]:
    """Source topics best first → label weights as in training: the primary 1.0, the others less."""
    return [(t, 1.0 if i == 0 else SECONDARY_WEIGHT) for i, t in enumerate(topic_ids)]


def default_pipeline_docs(records: Sequence[dict[str, Any]]) -> list[tuple[Doc, int]]:
    return list(TermExtractor(default_pipeline()).docs(_text_rows(records))) if records else []


def keyphrases_of(records: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The keyphrases of works (rows with id, title, abstract), as the learned assigner gives them."""
    return TermExtractor(default_pipeline()).keyphrases(_text_rows(records), KEYPHRASES) if records else []


def _text_rows(records: Sequence[dict[str, Any]]) -> list[TopicRow]:
    return [
        TopicRow(work_id=r["id"], title=r.get("title") or "", abstract=r.get("abstract") or "")
        for r in records
    ]


def ensure_topic_nodes(driver: Driver, *, settings: Settings | None = None) -> None:
    """Load the taxonomy unless the graph holds all of it (assigned edges need their Topic nodes): not only when
    it has no topics, but also when the topics it has came with works, or a load was killed part way through."""
    from kg.taxonomy import default_path, load_taxonomy, read_taxonomy, taxonomy_rows

    s = settings or get_settings()
    tax = read_taxonomy(default_path(s))
    rows = taxonomy_rows(tax.nodes.values())
    held = graphdb.run(driver, catalog.query("topics/taxonomy_held"), {"rows": rows}, settings=s)
    if not held or held[0]["n"] < len(rows):
        load_taxonomy(driver, taxonomy=tax, settings=s)


def work_ids_to_assign(
    driver: Driver, *, everything: bool = False, settings: Settings | None = None
) -> list[str]:
    """Ids of works to (re-)assign: all works, or only those with no topics at all."""
    s = settings or get_settings()
    rows = graphdb.run(driver, catalog.query("topics/work_ids"), {"all": everything}, settings=s)
    return [r["id"] for r in rows]


def refresh_researcher_topics(
    driver: Driver,
    researcher_ids: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
) -> int:
    """Rebuild (Researcher)-[:WORKS_ON {weight, works}]->(Topic) for the given researchers (None = everyone).

    Weighting: each authored work spreads one unit over its OpenAlex-scheme topics in proportion to the
    HAS_TOPIC scores (a work with three topics counts once, not three times; equal shares when scores are
    missing). weight = the sum of those shares over the researcher's works (rounded to 4 places), works = how
    many of their works have the topic, top_works = how many have it as their best topic (highest score, ties by
    topic id): the topics with top_works > 0 are the profile's headline topics. arXiv categories are left out:
    they restate the OpenAlex subfields.
    Returns how many researchers have a profile after the refresh."""
    s = settings or get_settings()
    ids = list(researcher_ids) if researcher_ids is not None else None
    if ids is None:
        ids = [r["id"] for r in graphdb.run(driver, catalog.query("topics/researcher_ids"), {}, settings=s)]
    total = 0
    for batch in _chunks(ids, max(1, s.derive_batch_size)):
        rows = graphdb.run(
            driver,
            catalog.query("topics/refresh_works_on"),
            {"ids": list(batch), "schemes": ["openalex"]},
            write=True,
            settings=s,
        )
        total += int(rows[0]["profiles"]) if rows else 0
    return total


def write_profiles(
    driver: Driver, rows: Sequence[dict[str, Any]], *, settings: Settings | None = None
) -> int:
    """Write researchers' profiles computed elsewhere (kg.derive.topic_profiles): `topics/write_works_on` in
    batches. Returns how many researchers have a profile."""
    s = settings or get_settings()
    total = 0
    for batch in _chunks(rows, max(1, s.derive_batch_size)):
        out = graphdb.run(
            driver, catalog.query("topics/write_works_on"), {"rows": list(batch)}, write=True, settings=s
        )
        total += int(out[0]["profiles"]) if out else 0
    return total


def assigned_totals(driver: Driver, *, settings: Settings | None = None) -> tuple[int, float]:
    """How many assigned HAS_TOPIC edges the graph holds, and their score sum."""
    rows = graphdb.run(
        driver, catalog.query("topics/assigned_totals"), {"source": SOURCE_METHOD}, settings=settings
    )
    return (int(rows[0]["n"]), float(rows[0]["total"])) if rows else (0, 0.0)


def show_work_topics(driver: Driver, work_id: str, *, settings: Settings | None = None) -> dict[str, Any]:
    """A work's title, keyphrases and topics (with level, score, method and evidence), best first."""
    s = settings or get_settings()
    rows = graphdb.run(driver, catalog.query("topics/work_topics"), {"id": work_id}, settings=s)
    if not rows:
        raise NotFound(f"no work with id {work_id}")
    return rows[0]


def to_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
