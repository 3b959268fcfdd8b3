"""The only place the API talks to Neo4j: read transactions (routed as reads, with a timeout) over cypher/api/."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import neo4j
from neo4j import Driver

from api import lucene
from api.config import ApiSettings
from api.schemas import (
    CITATIONS_LISTED,
    SEARCH_OFFSET_LIMIT,
    SEARCH_PAGE_LIMIT,
    TYPE_ORDER,
    WORK_AUTHORS_LISTED,
    AuthorBrief,
    CloseRule,
    CollaboratorBrief,
    CollaboratorItem,
    FeaturedResearcher,
    GraphCounts,
    GraphOverview,
    GraphSlice,
    IdentityBrief,
    InstitutionBrief,
    InstitutionDetail,
    LoadRunBrief,
    NodeType,
    OverviewCounts,
    QuickRead,
    ReportedCounts,
    ResearcherBrief,
    SearchContext,
    SearchHit,
    SliceBudget,
    SliceEdge,
    SliceNode,
    SuggestionItem,
    TopicBrief,
    TopicDetail,
    TypeBudget,
    WorkBrief,
    WorkCounts,
    WorkDetail,
    WorkItem,
    WorkTopic,
)
from api.slices import ChosenNode, SliceRequest, SliceSelection, hidden_neighbours, incident_counts
from kg import graphdb
from kg.config import Settings
from kg.derive.suggestion_reasons import expand_all
from kg.errors import KGError, NotFound
from kg.graphdb import catalog
from kg.sample import WELL_CONNECTED_COAUTHORS, WELL_CONNECTED_WORKS

T = TypeVar("T")
K = TypeVar("K")  # a keyset page's sort value
# one catalog statement (by name) with its parameters → its rows as dicts, inside an open read transaction
Read = Callable[[str, Mapping[str, Any] | None], list[dict[str, Any]]]

FULLTEXT_INDEX: dict[NodeType, str] = {
    NodeType.researcher: "researcher_names",
    NodeType.work: "work_text",
    NodeType.topic: "topic_names",
    NodeType.institution: "institution_names",
}

TOP_TOPICS = 5
# Up to this many relationships of one type slice_edges expands a node's relationships of that type; past it the
# node is a hub for that type, and its edges of that type are found from their other ends.
EXPAND_LIMIT = 100
MAX_LISTED = 100


def make_api_driver(settings: Settings, api: ApiSettings) -> Driver:
    """The API process's one driver (from the one factory): a small pool and a short retry, so an unreachable Neo4j
    becomes a quick 503. Creating it does not connect, so the API starts (and answers 503) even while Neo4j is down."""
    return graphdb.open_driver(
        settings,
        pool_size=api.pool_size,
        retry_seconds=api.transaction_retry_time,
        user_agent="research-kg-api",
    )


# Property values come from several loaders; these keep one odd value from failing a whole response.
def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v == v and abs(v) < 2**63:
        return int(v)
    return None


def _float(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    return None


def _str(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)


def _bool(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def _strs(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    if isinstance(v, list | tuple):
        return [str(x) for x in v if x is not None]
    return [str(v)]


def _field(v: Any) -> str | int | float | bool | list[str] | None:
    if v is None or isinstance(v, str | int | float | bool):
        return v
    if isinstance(v, list | tuple):
        return [str(x) for x in v]
    return str(v)


def _written(counts: Any) -> dict[str, int]:
    """A LoadRun's counts (a JSON object as text) as {kind: n}; anything unreadable as nothing."""
    try:
        parsed = json.loads(counts) if isinstance(counts, str) else counts
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {str(k): v for k, v in parsed.items() if isinstance(v, int) and not isinstance(v, bool)}


def _by_type(nodes: Iterable[tuple[str, NodeType]]) -> dict[str, list[str]]:
    """Ids split by label, the parameters every multi-node query takes."""
    out: dict[str, list[str]] = {f"{t.value}_ids": [] for t in NodeType}
    for node_id, t in nodes:
        out[f"{t.value}_ids"].append(node_id)
    return out


class GraphRepository:
    def __init__(self, driver: Driver, settings: Settings, api: ApiSettings | None = None) -> None:
        self.driver = driver
        self.settings = settings
        self.api = api or ApiSettings()

    # ------------------------------------------------------------------------------------------ the one edge

    def run_read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """One statement in a read transaction (routed to readers, read access mode, so a write is refused by the
        server) with the query timeout; a read past it raises QueryTimedOut."""
        return graphdb.run(
            self.driver, cypher, params, settings=self.settings, timeout=self.settings.query_timeout
        )

    def in_read_tx(self, work: Callable[[Read], T]) -> T:
        """Several catalog statements in ONE read transaction (routed to readers, the query timeout for all of
        them): a graph slice's reads cost one BEGIN and one COMMIT instead of one each, and see one snapshot.
        The driver retries the whole of `work` on a transient error, so `work` must only read."""

        def tx_work(tx: neo4j.ManagedTransaction) -> T:
            def read(name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
                # dict(record), not record.data(): these statements return ids, lists and maps only (no nodes
                # to convert), and data()'s recursive conversion was ~10 % of a supernode slice's time
                return [dict(r) for r in tx.run(catalog.query(name), dict(params or {}))]

            return work(read)

        return graphdb.transaction(
            self.driver, tx_work, settings=self.settings, timeout=self.settings.query_timeout
        )

    def _read(self, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.run_read(catalog.query(name), params)

    def _one(self, name: str, params: Mapping[str, Any], t: NodeType) -> dict[str, Any]:
        """The one row a detail statement returns for params["id"], or NotFound when it returns none."""
        rows = self._read(name, params)
        if not rows:
            raise NotFound(f"no {t.value} with id {params['id']!r}")
        return rows[0]

    def _researcher_page(
        self,
        name: str,
        researcher_id: str,
        limit: int,
        after: tuple[K, str] | None,
        sort: str,
        key: Callable[[Any], K],
        extra: Mapping[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], tuple[K, str] | None]:
        """One page of a researcher's list, keyset-paginated on (sort value, id): the rows after `after` and the
        key of the next page (None on the last). The statement takes after_<sort>, after_id and limit, and returns
        sort_<sort> with each row; one row more than the page tells whether another page follows."""
        self.require(researcher_id, NodeType.researcher)
        rows = self._read(
            name,
            {
                "id": researcher_id,
                f"after_{sort}": after[0] if after else None,
                "after_id": after[1] if after else None,
                "limit": limit + 1,
                **(extra or {}),
            },
        )
        nxt = (key(rows[limit - 1][f"sort_{sort}"]), rows[limit - 1]["id"]) if len(rows) > limit else None
        return rows[:limit], nxt

    def warm_up(self, stop: threading.Event | None = None) -> tuple[int, int]:
        """Run every API query once with empty parameters so Neo4j plans and caches them before the first page
        asks (a new plan costs up to seconds on a busy server). Returns how many ran and how many there are;
        errors are ignored. Setting `stop` ends it after the query in flight (the app's shutdown does)."""
        empty_ids: dict[str, list[str]] = {f"{t.value}_ids": [] for t in NodeType}
        fetch = {f"fetch_{t.value}": 1 for t in NodeType}
        ring = {
            "lists": {"ids": [], "exclude": []},
            "scan": self.api.hub_scan,
            "close_min_shared": self.settings.close_min_shared_works,
            **fetch,
        }
        page = {"id": "", "limit": 1}
        queries: list[tuple[str, dict[str, Any]]] = [
            ("api/ping", {}),
            ("api/node_type", {"id": ""}),
            *[(f"api/ring_{t.value}", ring) for t in NodeType],
            ("api/slice_nodes", {"lists": empty_ids}),
            ("api/slice_edges", {"lists": {"all_ids": [], "returned_ids": []}, "expand_limit": EXPAND_LIMIT}),
            (
                "api/researcher_quick_read",
                {"id": "", "top_topics": TOP_TOPICS, "max_institutions": MAX_LISTED},
            ),
            ("coauthors/close_collaborators", {"id": "", "min_shared": 1, "top_k": 1}),
            (
                "api/researcher_works",
                {**page, "after_year": None, "after_id": None, "max_authors": WORK_AUTHORS_LISTED},
            ),
            ("api/researcher_collaborators", {**page, "after_weight": None, "after_id": None}),
            ("api/researcher_suggestions", {**page, "after_score": None, "after_id": None}),
            (
                "discover/reason_names",
                {"lists": {"researcher_ids": [], "topic_ids": [], "institution_ids": []}},
            ),
            ("api/work_detail", {"id": "", "max_authors": MAX_LISTED, "max_citations": CITATIONS_LISTED}),
            ("api/search_context", {"lists": empty_ids}),
            ("api/overview_counts", {}),
            ("api/overview_load_runs", {"limit": 1}),
            ("api/overview_researchers", {"min_works": 1, "min_coauthors": 1, "limit": 1}),
            ("api/topic_detail", {"id": "", "max_children": MAX_LISTED}),
            ("api/institution_detail", {"id": "", "max_members": MAX_LISTED}),
            *[
                (
                    "api/search",
                    {"index": index, "query": "warm", "fetch": SEARCH_OFFSET_LIMIT + SEARCH_PAGE_LIMIT + 1},
                )
                for index in FULLTEXT_INDEX.values()
            ],
        ]
        done = 0
        for name, params in queries:
            if stop is not None and stop.is_set():
                break
            try:
                self._read(name, params)
                done += 1
            except KGError:
                continue
        return done, len(queries)

    # ------------------------------------------------------------------------------------------ lookups

    def ping(self) -> bool:
        return self._read("api/ping") == [{"ok": 1}]

    def node_type(self, node_id: str, read: Read | None = None) -> NodeType | None:
        rows = (read or self._read)("api/node_type", {"id": node_id})
        return NodeType(rows[0]["type"]) if rows else None

    def require(self, node_id: str, expected: NodeType | None = None, read: Read | None = None) -> NodeType:
        """The type of an existing node, or NotFound (also when it is not of the expected type)."""
        t = self.node_type(node_id, read)
        if t is None or (expected is not None and t != expected):
            raise NotFound(f"no {expected.value if expected else 'node'} with id {node_id!r}")
        return t

    # ------------------------------------------------------------------------------------------ quick read

    def close_collaborators(self, researcher_id: str) -> list[dict[str, Any]]:
        """The one definition of close collaborators (cypher/coauthors/close_collaborators.cypher)."""
        return self._read(
            "coauthors/close_collaborators",
            {
                "id": researcher_id,
                "min_shared": self.settings.close_min_shared_works,
                "top_k": self.settings.close_top_k,
            },
        )

    def quick_read(self, researcher_id: str) -> QuickRead:
        r = self._one(
            "api/researcher_quick_read",
            {"id": researcher_id, "top_topics": TOP_TOPICS, "max_institutions": MAX_LISTED},
            NodeType.researcher,
        )
        close = self.close_collaborators(researcher_id)
        rep = r["reported"] or {}
        return QuickRead(
            id=r["id"],
            name=_str(r["name"]) or None,  # a source that gives no name stores "" (a nameless profile page)
            headline=_str(r["headline"]),
            aliases=_strs(r["aliases"]),
            orcid=_str(r["orcid"]),
            openalex_id=_str(r["openalex_id"]),
            affiliation_status=_str(r["affiliation_status"]),
            institutions=[
                InstitutionBrief(
                    id=i["id"],
                    name=_str(i["name"]),
                    country_code=_str(i["country_code"]),
                    type=_str(i["type"]),
                )
                for i in r["institution_list"]
            ],
            trust_score=_float(r["trust_score"]),
            trust_label=_str(r["trust_label"]),
            verification_level=_str(r["verification_level"]),
            claimed=_bool(r["claimed"]),
            open_to_collaborate=_bool(r["open_to_collaborate"]),
            counts=GraphCounts(
                works=r["works"],
                topics=r["topics"],
                coauthors=r["coauthors"],
                close_collaborators=len(close),
                institutions=r["institutions"],
                big_team_works=_int(r["big_team_works"]),
            ),
            reported=ReportedCounts(
                works=_int(rep.get("works")),
                topics=_int(rep.get("topics")),
                close_collaborators=_int(rep.get("close_collaborators")),
                followers=_int(rep.get("followers")),
            ),
            top_topics=[self._topic_brief(t) for t in r["top_topics"]],
            top_collaborators=[self._collaborator_brief(c) for c in close],
            close_rule=CloseRule(
                min_shared_works=self.settings.close_min_shared_works, top_k=self.settings.close_top_k
            ),
            sources=_strs(r["sources"]),
            identity=IdentityBrief(
                method=_str(r["identity_method"]),
                confidence=_float(r["identity_confidence"]),
                evidence=_strs(r["identity_evidence"]),
            )
            if r["identity_method"] is not None
            else None,
        )

    @staticmethod
    def _topic_brief(t: Mapping[str, Any]) -> TopicBrief:
        return TopicBrief(
            id=t["id"],
            name=_str(t.get("name")),
            level=_str(t.get("level")),
            scheme=_str(t.get("scheme")),
            weight=_float(t.get("weight")),
            works=_int(t.get("works")),
        )

    @staticmethod
    def _collaborator_brief(c: Mapping[str, Any]) -> CollaboratorBrief:
        return CollaboratorBrief(
            id=c["id"],
            name=_str(c.get("name")),
            shared_works=_int(c.get("shared_works")),
            weight=_float(c.get("weight")),
            first_year=_int(c.get("first_year")),
            last_year=_int(c.get("last_year")),
        )

    # ------------------------------------------------------------------------------------------ slices

    def _ring(
        self,
        read: Read,
        centres: Sequence[ChosenNode],
        fetch: Mapping[NodeType, int],
        exclude: Iterable[str],
        scan: int,
    ) -> dict[str, dict[NodeType, list[str]]]:
        """Per centre and neighbour type, the ordered candidate ids (one query per centre label)."""
        excluded = sorted(set(exclude))
        out: dict[str, dict[NodeType, list[str]]] = {}
        for label in NodeType:
            ids = [c.id for c in centres if c.type == label]
            if not ids:
                continue
            params: dict[str, Any] = {f"fetch_{t.value}": fetch.get(t, 0) for t in NodeType}
            params["lists"] = {"ids": ids, "exclude": excluded}
            params["scan"] = scan
            params["close_min_shared"] = self.settings.close_min_shared_works
            for row in read(f"api/ring_{label.value}", params):
                out[row["center"]] = {t: list(row[t.value]) for t in NodeType}
        return out

    def graph_slice(
        self, center_id: str, request: SliceRequest, expected: NodeType | None = None
    ) -> GraphSlice:
        """The bounded slice around one node: its ring (and the ring after, for hops=2), every panel relationship
        among the chosen nodes, each node's degree and what the response leaves out of it. All its reads run in
        one read transaction."""
        return self.in_read_tx(lambda read: self._graph_slice(read, center_id, request, expected))

    def _graph_slice(
        self, read: Read, center_id: str, request: SliceRequest, expected: NodeType | None
    ) -> GraphSlice:
        center_type = self.require(center_id, expected, read)
        selection = SliceSelection(center_id, center_type, request)
        exclude = set(request.exclude) - {center_id}
        ring1 = self._ring(
            read, [selection.nodes[0]], selection.first_fetch(), exclude | {center_id}, self.api.hub_scan
        )
        selection.take_first_ring(ring1.get(center_id, {}))
        if request.hops == 2 and selection.hop1():
            ring2 = self._ring(
                read,
                selection.hop1(),
                selection.second_fetch(),
                exclude | selection.ids,
                self.api.hub_scan_ring2,
            )
            selection.take_second_ring(ring2)

        chosen = selection.nodes
        typed = _by_type((n.id, n.type) for n in chosen)
        details = {row["id"]: row for row in read("api/slice_nodes", {"lists": typed})}
        all_ids = sorted(selection.ids | exclude)
        edge_rows = read(
            "api/slice_edges",
            {
                "lists": {"all_ids": all_ids, "returned_ids": sorted(selection.ids)},
                "expand_limit": EXPAND_LIMIT,
            },
        )
        edges = [
            SliceEdge(
                source=e["source"],
                target=e["target"],
                type=e["type"],
                weight=_float(e["weight"]),
                works=_int((e["facts"] or {}).get("shared_works")),
                first_year=_int((e["facts"] or {}).get("first_year")),
                last_year=_int((e["facts"] or {}).get("last_year")),
                position=_int((e["facts"] or {}).get("position")),
            )
            for e in edge_rows
        ]
        touching = incident_counts((e.source, e.target) for e in edges)
        nodes: list[SliceNode] = []
        for n in chosen:
            d = details.get(n.id)
            if d is None:  # deleted between the two reads: leave it out rather than invent it
                continue
            degree = int(d["degree"])
            nodes.append(
                SliceNode(
                    id=n.id,
                    type=n.type,
                    label=_str(d["label"]),
                    fields={k: _field(v) for k, v in sorted((d["fields"] or {}).items())},
                    hop=n.hop,
                    degree=degree,
                    hidden_neighbours=hidden_neighbours(degree, touching[n.id]),
                )
            )
        budget = SliceBudget(
            max_nodes=request.max_nodes,
            used=len(nodes),
            hops=request.hops,
            per_node=request.per_node,
            types={
                t.value: TypeBudget(
                    cap=request.cap(t), shown=sum(1 for n in nodes if n.type == t and n.hop > 0)
                )
                for t in TYPE_ORDER
            },
        )
        return GraphSlice(
            center=center_id, nodes=nodes, edges=edges, truncated=selection.truncated, budget=budget
        )

    # ------------------------------------------------------------------------------------------ lists

    def researcher_works(
        self, researcher_id: str, limit: int, after: tuple[int, str] | None
    ) -> tuple[list[WorkItem], tuple[int, str] | None]:
        rows, nxt = self._researcher_page(
            "api/researcher_works",
            researcher_id,
            limit,
            after,
            "year",
            int,
            {"max_authors": WORK_AUTHORS_LISTED},
        )
        items = [
            WorkItem(
                id=r["id"],
                title=_str(r["title"]),
                year=_int(r["year"]),
                type=_str(r["type"]),
                venue=_str(r["venue"]),
                doi=_str(r["doi"]),
                arxiv_id=_str(r["arxiv_id"]),
                author_count=_int(r["author_count"]),
                position=_int(r["position"]),
                authors=_strs(r["authors"]),
                authors_truncated=int(r["author_edges"]) > len(r["authors"]),
                cited_by_count=_int(r["cited_by_count"]),
                pdf_url=_str(r["pdf_url"]),
            )
            for r in rows
        ]
        return items, nxt

    def researcher_collaborators(
        self, researcher_id: str, limit: int, after: tuple[float, str] | None
    ) -> tuple[list[CollaboratorItem], tuple[float, str] | None]:
        rows, nxt = self._researcher_page(
            "api/researcher_collaborators", researcher_id, limit, after, "weight", float
        )
        close = {c["id"] for c in self.close_collaborators(researcher_id)}
        items = [
            CollaboratorItem(
                **self._collaborator_brief(r).model_dump(), works=_strs(r["works"]), close=r["id"] in close
            )
            for r in rows
        ]
        return items, nxt

    def researcher_suggestions(
        self, researcher_id: str, limit: int, after: tuple[float, str] | None
    ) -> tuple[list[SuggestionItem], tuple[float, str] | None]:
        page, nxt = self._researcher_page(
            "api/researcher_suggestions", researcher_id, limit, after, "score", float
        )
        # the discovery job stores compact reasons (ids only): one query puts the page's names back
        reasons = expand_all(
            [r["reasons"] for r in page],
            lambda ids: {x["id"]: x["name"] for x in self._read("discover/reason_names", {"lists": ids})},
        )
        context = self.contexts([(r["id"], NodeType.researcher) for r in page])
        items = [
            SuggestionItem(
                id=r["id"],
                name=_str(r["name"]),
                headline=_str(r["headline"]),
                open_to_collaborate=_bool(r["open_to_collaborate"]),
                score=_float(r["score"]),
                run=_str(r["run"]),
                reasons=why,
                context=context[r["id"]],
            )
            for r, why in zip(page, reasons, strict=True)
        ]
        return items, nxt

    # ------------------------------------------------------------------------------------------ details

    def work(self, work_id: str) -> WorkDetail:
        r = self._one(
            "api/work_detail",
            {"id": work_id, "max_authors": MAX_LISTED, "max_citations": CITATIONS_LISTED},
            NodeType.work,
        )
        w = r["work"]
        return WorkDetail(
            id=w["id"],
            title=_str(w.get("title")),
            abstract=_str(w.get("abstract")),
            year=_int(w.get("year")),
            date=_str(w.get("date")),
            type=_str(w.get("type")),
            venue=_str(w.get("venue")),
            doi=_str(w.get("doi")),
            arxiv_id=_str(w.get("arxiv_id")),
            openalex_id=_str(w.get("openalex_id")),
            author_count=_int(w.get("author_count")),
            authors_truncated=_bool(w.get("authors_truncated")),
            categories=_strs(w.get("categories")),
            has_code=_bool(w.get("has_code")),
            upvotes=_int(w.get("upvotes")),
            score=_float(w.get("score")),
            keyphrases=_strs(w.get("keyphrases")),
            cited_by_count=_int(w.get("cited_by_count")),
            pdf_url=_str(w.get("pdf_url")),
            authors=[
                AuthorBrief(id=a["id"], name=_str(a["name"]), position=_int(a["position"]))
                for a in r["authors"]
            ],
            topics=[
                WorkTopic(
                    id=t["id"],
                    name=_str(t["name"]),
                    level=_str(t["level"]),
                    scheme=_str(t["scheme"]),
                    score=_float(t["score"]),
                    method=_str(t.get("method")),
                )
                for t in r["topics"]
            ],
            cites=[self._work_brief(c) for c in r["cites_list"]],
            cited_by=[self._work_brief(c) for c in r["cited_by_list"]],
            counts=WorkCounts(
                authors=r["author_edges"], topics=r["topic_edges"], cites=r["cites"], cited_by=r["cited_by"]
            ),
            sources=_strs(w.get("sources")),
        )

    @staticmethod
    def _work_brief(w: Mapping[str, Any]) -> WorkBrief:
        return WorkBrief(id=w["id"], title=_str(w.get("title")), year=_int(w.get("year")))

    def topic(self, topic_id: str) -> TopicDetail:
        r = self._one("api/topic_detail", {"id": topic_id, "max_children": MAX_LISTED}, NodeType.topic)
        t = r["topic"]
        return TopicDetail(
            id=t["id"],
            name=_str(t.get("name")),
            scheme=_str(t.get("scheme")),
            level=_str(t.get("level")),
            keywords=_strs(t.get("keywords")),
            parents=[self._topic_brief(p) for p in r["parents"]],
            children=[self._topic_brief(c) for c in r["children"]],
            works=r["works"],
            researchers=r["researchers"],
            children_count=r["children_count"],
            sources=_strs(t.get("sources")),
        )

    def institution(self, institution_id: str) -> InstitutionDetail:
        r = self._one(
            "api/institution_detail", {"id": institution_id, "max_members": MAX_LISTED}, NodeType.institution
        )
        i = r["institution"]
        return InstitutionDetail(
            id=i["id"],
            name=_str(i.get("name")),
            ror=_str(i.get("ror")),
            country_code=_str(i.get("country_code")),
            type=_str(i.get("type")),
            researchers=r["researchers"],
            members=[ResearcherBrief(id=m["id"], name=_str(m["name"])) for m in r["members"]],
            sources=_strs(i.get("sources")),
        )

    # ------------------------------------------------------------------------------------------ search

    def overview(self, researchers: int, load_runs: int) -> GraphOverview:
        """Counts of what the graph holds, the newest load runs and the best-connected researchers."""
        counts = self._read("api/overview_counts")[0]
        runs = self._read("api/overview_load_runs", {"limit": load_runs})
        featured = self._read(
            "api/overview_researchers",
            {
                "min_works": WELL_CONNECTED_WORKS,
                "min_coauthors": WELL_CONNECTED_COAUTHORS,
                "limit": researchers,
            },
        )
        return GraphOverview(
            counts=OverviewCounts(**{k: _int(v) or 0 for k, v in counts.items()}),
            load_runs=[
                LoadRunBrief(
                    id=r["id"],
                    source=_str(r["source"]),
                    status=_str(r["status"]),
                    started_at=_str(r["started_at"]),
                    finished_at=_str(r["finished_at"]),
                    read=_int(r["read"]),
                    loaded=_int(r["loaded"]),
                    rejected=_int(r["rejected"]),
                    written=_written(r["counts"]),
                )
                for r in runs
            ],
            researchers=[
                FeaturedResearcher(
                    id=r["id"],
                    name=_str(r["name"]),
                    works=r["works"],
                    coauthors=r["coauthors"],
                    institutions=r["institutions"],
                    topics=r["topics"],
                )
                for r in featured
            ],
            min_works=WELL_CONNECTED_WORKS,
            min_coauthors=WELL_CONNECTED_COAUTHORS,
        )

    def search(
        self, text: str, types: Sequence[NodeType], offset: int, limit: int
    ) -> tuple[list[SearchHit], int | None]:
        """Ranked hits over the full-text indexes of `types` (merged by score, then type order, then id), the page
        at `offset`, and the next offset (None on the last page)."""
        query = lucene.build_query(text)
        if query is None:
            return [], None
        # Always rank the same window, whatever the page: Lucene breaks score ties arbitrarily at the edge of a
        # smaller window, which would let pages disagree about the order.
        fetch = SEARCH_OFFSET_LIMIT + SEARCH_PAGE_LIMIT + 1
        hits: list[tuple[float, int, str, SearchHit]] = []
        for t in types:
            for r in self._read("api/search", {"index": FULLTEXT_INDEX[t], "query": query, "fetch": fetch}):
                score = float(r["score"])
                hit = SearchHit(
                    id=r["id"], type=t, label=_str(r["label"]), score=score, detail=_str(r["detail"])
                )
                hits.append((-score, TYPE_ORDER.index(t), r["id"], hit))
        hits.sort(key=lambda h: h[:3])
        page = [h[3] for h in hits[offset : offset + limit]]
        nxt = offset + limit if len(hits) > offset + limit and offset + limit <= SEARCH_OFFSET_LIMIT else None
        return self._with_context(page), nxt

    def _with_context(self, hits: list[SearchHit]) -> list[SearchHit]:
        """The page's hits with what tells same-named ones apart (one bounded query for the whole page)."""
        context = self.contexts([(h.id, h.type) for h in hits])
        return [h.model_copy(update={"context": context[h.id]}) for h in hits]

    def contexts(self, nodes: Sequence[tuple[str, NodeType]]) -> dict[str, SearchContext]:
        """What tells each node apart from others of the same name (cypher/api/search_context.cypher)."""
        rows = self._read("api/search_context", {"lists": _by_type(nodes)}) if nodes else []
        found = {r["id"]: r["context"] or {} for r in rows}
        out: dict[str, SearchContext] = {}
        for node_id, _ in nodes:
            c = found.get(node_id, {})
            latest = c.get("latest_work") or {}
            out[node_id] = SearchContext(
                latest_work=_str(latest.get("title")),
                latest_year=_int(latest.get("year")),
                works=_int(c.get("works")),
                institution=_str(c.get("institution")),
                top_topic=_str(c.get("top_topic")),
                first_author=_str(c.get("first_author")),
                authors=_int(c.get("authors")),
                year=_int(c.get("year")),
                venue=_str(c.get("venue")),
                cited_by_count=_int(c.get("cited_by_count")),
                parent=_str(c.get("parent")),
                level=_str(c.get("level")),
                scheme=_str(c.get("scheme")),
                country_code=_str(c.get("country_code")),
                researchers=_int(c.get("researchers")),
            )
        return out
