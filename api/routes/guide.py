"""A Neo4j Browser guide for `:play <api>/guide`: the graph model and the analyst's library as one-click queries."""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from kg import cypherlib
from kg.graphdb import catalog

router = APIRouter(tags=["guide"])

# The Browser fetches a guide from its own page (another origin) with extra headers (pragma, cache-control,
# sentry-trace, baggage…), so the request is preflighted; the guide is public, read-only text without credentials,
# so any origin may read it with any header.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Max-Age": "600",
}

GUIDE_PATHS = ("/guide", "/guide/queries.html")
GROUP_TITLES = {"explore": "Explore", "audit": "Data-quality audits"}

NODES = [
    (
        "Researcher",
        "name, name_key, aliases, orcid, openalex_id, headline, claimed, verification_level, trust_score, "
        "trust_label, followers, open_to_collaborate, affiliation_status, identity_method, identity_confidence, "
        "identity_evidence",
        "orcid:… | openalex:A… | profile:… | name:&lt;name_key&gt;:&lt;8 hex&gt;",
    ),
    (
        "Work",
        "title, title_key, abstract, year, date, type, venue, doi, arxiv_id, openalex_id, author_count, "
        "authors_truncated, categories, has_code, upvotes, score, keyphrases",
        "doi:… | arxiv:… | openalex:W… | title:&lt;16 hex&gt;",
    ),
    (
        "Topic",
        "name, scheme (openalex | arxiv), level (domain | field | subfield | topic | category), keywords",
        "openalex:T… | openalex:subfield:… | openalex:field:… | openalex:domain:… | arxiv:cs.LG",
    ),
    ("Institution", "name, ror, country_code, type", "ror:… | openalex:I… | name:&lt;16 hex&gt;"),
    ("LoadRun", "source, started_at, finished_at, counts, rejects", "one per load"),
]
RELATIONSHIPS = [
    ("(Researcher)-[:AUTHORED]->(Work)", "position, raw_name, source, confidence"),
    (
        "(Researcher)-[:COAUTHOR]->(Researcher)",
        "shared_works, weight, first_year, last_year, works; once per pair "
        "(lower id → higher id), read it undirected",
    ),
    ("(Work)-[:HAS_TOPIC]->(Topic)", "score, method, evidence"),
    ("(Topic)-[:PART_OF]->(Topic)", "the taxonomy: topic → subfield → field → domain"),
    ("(Researcher)-[:WORKS_ON]->(Topic)", "weight, works (derived topic profile)"),
    ("(Researcher)-[:AFFILIATED_WITH]->(Institution)", "years, source, raw_affiliation"),
    ("(Work)-[:CITES]->(Work)", ""),
    ("(Researcher)-[:SAME_AS | NOT_SAME_AS]->(Researcher)", "by, at, why (curation decisions)"),
    (
        "(Researcher) suggested, suggested_scores, suggested_reasons, suggested_run",
        "collaborator suggestions: lists on the Researcher, best first (ids, scores, reasons as JSON text)",
    ),
]


def param_block(query: cypherlib.Query) -> str:
    """The one-click block that sets a query's example parameters (empty when it has none)."""
    return "\n".join(line + ";" for line in cypherlib.browser_params(query))


def query_block(query: cypherlib.Query) -> str:
    """The one-click block that runs the query; alone in its block so the Browser shows its rows (a multi-statement
    run shows only a status per statement)."""
    return query.body


def _pre(text: str) -> str:
    return f'<pre mode="cypher" class="pre-scrollable code runnable">{escape(text, quote=False)}</pre>'


def _query_slide(q: cypherlib.Query) -> str:
    rows = "".join(
        f"<tr><td><code>${escape(p.name)}</code></td><td><code>{escape(cypherlib.cypher_literal(p.example))}"
        f"</code></td><td>{escape(p.description)}</td></tr>"
        for p in q.params
    )
    params = (
        f'<table class="table table-condensed"><tr><th>parameter</th><th>example</th><th></th></tr>{rows}</table>'
        if q.params
        else "<p>No parameters.</p>"
    )
    if q.params:
        steps = (
            f"<p>1. Click to set the example parameters:</p>\n{_pre(param_block(q))}\n"
            f"<p>2. Click to run the query (from a shell: <code>kg cypher run {escape(q.name)}</code>):</p>\n"
            f"{_pre(query_block(q))}"
        )
    else:
        steps = (
            f"<p>Click to run the query (from a shell: <code>kg cypher run {escape(q.name)}</code>):</p>\n"
            f"{_pre(query_block(q))}"
        )
    return (
        f'<slide class="row-fluid" data-query="{escape(q.name)}">\n<div class="col-sm-12">\n'
        f"<h3>{escape(q.title)}</h3>\n"
        f'<p class="lead">{escape(q.answers)}</p>\n'
        f"{params}\n"
        f"<p>Returns: {escape(q.returns)}</p>\n"
        f"{steps}\n"
        f"<p><small>cypher/queries/{escape(q.name)}.cypher — change a value with "
        f"<code>:param name =&gt; value</code> (the arrow keeps integers integers) and run the query again.</small></p>\n"
        f"</div>\n</slide>"
    )


def _model_slide() -> str:
    nodes = "".join(
        f"<tr><td><b>{n}</b></td><td>{ids}</td><td>{escape(props)}</td></tr>" for n, props, ids in NODES
    )
    rels = "".join(
        f"<tr><td><code>{escape(p)}</code></td><td>{escape(props)}</td></tr>" for p, props in RELATIONSHIPS
    )
    return (
        '<slide class="row-fluid" data-query="">\n<div class="col-sm-12">\n<h3>The graph model</h3>\n'
        "<p>Every node has a unique <code>id</code> plus provenance: <code>sources</code>, "
        "<code>updated_at</code>, <code>load_run</code>.</p>\n"
        f'<table class="table table-condensed"><tr><th>label</th><th>id</th><th>properties</th></tr>{nodes}</table>\n'
        f'<table class="table table-condensed"><tr><th>relationship</th><th>properties</th></tr>{rels}</table>\n'
        f"{_pre(catalog.query('guide/schema_visualization'))}\n"
        "</div>\n</slide>"
    )


def _intro_slide(queries: list[cypherlib.Query], invalid: list[cypherlib.Query]) -> str:
    groups: dict[str, list[cypherlib.Query]] = {}
    for q in queries:
        groups.setdefault(q.group, []).append(q)
    parts = []
    for group, qs in groups.items():
        items = "".join(f"<li><b>{escape(q.title)}</b> <code>{escape(q.name)}</code></li>" for q in qs)
        parts.append(f"<h4>{escape(GROUP_TITLES.get(group, group.title()))}</h4><ul>{items}</ul>")
    skipped = (
        "<p><small>Not shown (invalid file, see <code>kg cypher check</code>): "
        + ", ".join(escape(q.name) for q in invalid)
        + "</small></p>"
        if invalid
        else ""
    )
    return (
        '<slide class="row-fluid" data-query="">\n<div class="col-sm-12">\n'
        "<h3>Research KG: the analyst's library</h3>\n"
        "<p>Named, documented and tested queries over the research graph. Each slide is one query from "
        "<code>cypher/queries/</code>: what it answers and its parameters with example values; one click sets "
        "the parameters, one more runs the query. The next slide shows the graph model.</p>\n"
        f"{''.join(parts)}{skipped}\n</div>\n</slide>"
    )


def render_guide(directory: Path | None = None) -> str:
    """The whole guide: an introduction listing the library, the graph model, then one slide per valid query."""
    library = cypherlib.load_library(directory)
    valid = [q for q in library if q.valid]
    invalid = [q for q in library if not q.valid]
    order = {g: i for i, g in enumerate(GROUP_TITLES)}
    valid.sort(key=lambda q: (order.get(q.group, len(order)), q.group, q.name))
    slides = [_intro_slide(valid, invalid), _model_slide(), *(_query_slide(q) for q in valid)]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Research KG: the analyst's library</title>\n</head>\n<body>\n"
        '<article class="guide">\n<carousel class="deck container-fluid">\n'
        + "\n".join(slides)
        + "\n</carousel>\n</article>\n</body>\n</html>\n"
    )


@router.get(GUIDE_PATHS[0], response_class=HTMLResponse, summary="Neo4j Browser guide (:play this URL)")
@router.get(GUIDE_PATHS[1], response_class=HTMLResponse, include_in_schema=False)
def guide() -> HTMLResponse:
    """The library as a Neo4j Browser guide: open it with `:play http://<api host:port>/guide`."""
    return HTMLResponse(render_guide(), headers={**CORS_HEADERS, "Cache-Control": "no-cache"})


@router.options(GUIDE_PATHS[0], include_in_schema=False)
@router.options(GUIDE_PATHS[1], include_in_schema=False)
def guide_preflight() -> Response:
    """Answer the Browser's CORS preflight for the guide."""
    return Response(status_code=204, headers=CORS_HEADERS)
