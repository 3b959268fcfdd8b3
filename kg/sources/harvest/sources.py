"""The five live sources as harvest plans: OpenAlex, arXiv, Crossref, ORCID and Semantic Scholar."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from kg.config import Settings
from kg.errors import HarvestError, InputError
from kg.normalize import normalize_doi, normalize_openalex, normalize_orcid
from kg.sources.harvest.client import PoliteClient, Request
from kg.sources.harvest.plan import Page, Plan

SOURCES = ("openalex", "arxiv", "crossref", "orcid", "semanticscholar")


def client_for(s: Settings, delay: float, **kw: Any) -> PoliteClient:
    """A polite client with the harvest settings (retries, longest wait, timeout, contact address)."""
    return PoliteClient(
        delay=delay,
        retries=s.harvest_retries,
        max_wait=s.harvest_max_wait,
        timeout=s.harvest_timeout,
        mailto=s.mailto,
        **kw,
    )


# ---- OpenAlex ------------------------------------------------------------------------------------------------


def openalex_filter(
    author: str | None = None,
    institution: str | None = None,
    topic: str | None = None,
    from_updated_date: str | None = None,
    extra: str | None = None,
) -> str:
    """An OpenAlex `filter` value from the options: an author by OpenAlex id or ORCID, an institution by OpenAlex id
    or ROR, a topic by OpenAlex id, works updated since a date."""
    parts: list[str] = []
    if author:
        orcid = normalize_orcid(author)
        oa = normalize_openalex(author, "A")
        if orcid:
            parts.append(f"authorships.author.orcid:https://orcid.org/{orcid}")
        elif oa:
            parts.append(f"authorships.author.id:{oa}")
        else:
            raise InputError(f"--author {author!r} is neither an OpenAlex author id (A…) nor an ORCID iD")
    if institution:
        oa = normalize_openalex(institution, "I")
        if oa:
            parts.append(f"authorships.institutions.id:{oa}")
        elif "ror.org/" in institution or re.fullmatch(r"0[a-z0-9]{6}\d{2}", institution):
            parts.append(f"authorships.institutions.ror:{institution.rstrip('/').rsplit('/', 1)[-1]}")
        else:
            raise InputError(
                f"--institution {institution!r} is neither an OpenAlex institution id (I…) nor a ROR id"
            )
    if topic:
        t = normalize_openalex(topic, "T")
        if not t:
            raise InputError(f"--topic {topic!r} is not an OpenAlex topic id (T…)")
        parts.append(f"topics.id:{t}")
    if from_updated_date:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", from_updated_date):
            raise InputError(f"--from-updated-date {from_updated_date!r} is not a date (YYYY-MM-DD)")
        parts.append(f"from_updated_date:{from_updated_date}")
    if extra:
        parts.append(extra)
    return ",".join(parts)


class OpenAlex(Plan):
    source = "openalex"

    def __init__(self, s: Settings, *, search: str | None, filter: str, per_page: int = 200) -> None:
        if not (search or filter):
            raise InputError("openalex: give --search or a filter (--author, --institution, --topic, …)")
        self.s = s
        self.tasks = [{"search": search, "filter": filter, "per_page": per_page}]

    def client(self) -> PoliteClient:
        return client_for(self.s, self.s.openalex_delay, secret_params=frozenset({"api_key"}))

    def request(self, task: dict[str, Any], cursor: Any) -> Request:
        params = {"per-page": str(task["per_page"]), "cursor": cursor or "*"}
        if task["search"]:
            params["search"] = task["search"]
        if task["filter"]:
            params["filter"] = task["filter"]
        if self.s.mailto:
            params["mailto"] = self.s.mailto
        if self.s.openalex_api_key:
            params["api_key"] = self.s.openalex_api_key.get_secret_value()
        return Request(f"{self.s.openalex_api.rstrip('/')}/works", params)

    def page(self, task: dict[str, Any], cursor: Any, body: Any) -> Page:
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise HarvestError("openalex: the answer is not a {meta, results} page")
        results = body["results"]
        nxt = (body.get("meta") or {}).get("next_cursor")
        return Page(len(results), nxt if results and nxt else None)


# ---- arXiv ---------------------------------------------------------------------------------------------------

_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def arxiv_query(
    query: str | None, category: str | None, author: str | None, since: str | None, until: str | None
) -> str:
    """An arXiv API search_query: terms ANDed, a submission date range as submittedDate:[… TO …]."""
    parts = []
    if query:
        parts.append(query if re.match(r"^(?:ti|au|abs|co|jr|cat|rn|id|all):", query) else f"all:{query}")
    if category:
        parts.append(f"cat:{category}")
    if author:
        parts.append(f'au:"{author}"')
    if since or until:

        def day(v: str | None, default: str) -> str:
            if v is None:
                return default
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                raise InputError(f"{v!r} is not a date (YYYY-MM-DD)")
            return v.replace("-", "")

        parts.append(f"submittedDate:[{day(since, '19910101')}0000 TO {day(until, '29991231')}2359]")
    if not parts:
        raise InputError("arxiv: give --query, --category, --author, a date range or --id")
    return " AND ".join(parts)


class Arxiv(Plan):
    source = "arxiv"

    def __init__(self, s: Settings, *, search_query: str | None, ids: list[str], per_page: int = 100) -> None:
        self.s = s
        self.tasks = []
        if ids:
            self.tasks.append({"id_list": ",".join(ids), "per_page": per_page})
        if search_query:
            self.tasks.append({"search_query": search_query, "per_page": per_page})
        if not self.tasks:
            raise InputError("arxiv: give a query or --id")

    def client(self) -> PoliteClient:
        return client_for(self.s, self.s.arxiv_delay)

    def request(self, task: dict[str, Any], cursor: Any) -> Request:
        params = {"start": str(cursor or 0), "max_results": str(task["per_page"])}
        if task.get("search_query"):
            params["search_query"] = task["search_query"]
            params["sortBy"], params["sortOrder"] = "submittedDate", "ascending"  # stable pages while paging
        if task.get("id_list"):
            params["id_list"] = task["id_list"]
        return Request(self.s.arxiv_api, params, text=True)

    def page(self, task: dict[str, Any], cursor: Any, body: Any) -> Page:
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            raise HarvestError(f"arxiv: the answer is not an Atom feed ({e})") from None
        entries = root.findall(f"{_ATOM}entry")
        total = int(root.findtext(f"{_OPENSEARCH}totalResults") or 0)
        start = int(cursor or 0)
        nxt = start + len(entries)
        return Page(len(entries), nxt if entries and nxt < total and "id_list" not in task else None)


# ---- Crossref ------------------------------------------------------------------------------------------------


class Crossref(Plan):
    source = "crossref"

    def __init__(
        self, s: Settings, *, query: str | None, orcid: str | None, dois: list[str], rows: int = 100
    ) -> None:
        self.s = s
        self.tasks = []
        for raw in dois:
            doi = normalize_doi(raw)
            if not doi:
                raise InputError(f"crossref: {raw!r} is not a DOI")
            self.tasks.append({"doi": doi})
        if query or orcid:
            o = normalize_orcid(orcid) if orcid else None
            if orcid and not o:
                raise InputError(f"crossref: --orcid {orcid!r} is not an ORCID iD")
            self.tasks.append({"query": query, "filter": f"orcid:{o}" if o else None, "rows": rows})
        if not self.tasks:
            raise InputError("crossref: give --query, --orcid or --doi")

    def client(self) -> PoliteClient:
        return client_for(self.s, self.s.crossref_delay)

    def request(self, task: dict[str, Any], cursor: Any) -> Request:
        base = self.s.crossref_api.rstrip("/")
        params = {"mailto": self.s.mailto} if self.s.mailto else {}
        if "doi" in task:
            return Request(f"{base}/works/{task['doi']}", params, not_found_ok=True)
        params.update({"rows": str(task["rows"]), "cursor": cursor or "*"})
        if task.get("query"):
            params["query.bibliographic"] = task["query"]
        if task.get("filter"):
            params["filter"] = task["filter"]
        return Request(f"{base}/works", params)

    def page(self, task: dict[str, Any], cursor: Any, body: Any) -> Page:
        if body is None:  # a DOI Crossref does not know
            return Page(0, None)
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict):
            raise HarvestError("crossref: the answer is not a Crossref message")
        if "doi" in task:
            return Page(1, None)
        items = message.get("items") or []
        nxt = message.get("next-cursor")
        return Page(len(items), nxt if items and nxt else None)


# ---- ORCID ---------------------------------------------------------------------------------------------------


class Orcid(Plan):
    source = "orcid"

    def __init__(self, s: Settings, *, orcids: list[str]) -> None:
        self.s = s
        self.tasks = []
        for raw in orcids:
            o = normalize_orcid(raw)
            if not o:
                raise InputError(f"orcid: {raw!r} is not an ORCID iD")
            # the person first: its name is what the works are attached to
            self.tasks += [{"orcid": o, "part": "person"}, {"orcid": o, "part": "works"}]
        if not self.tasks:
            raise InputError("orcid: give one or more ORCID iDs")

    def client(self) -> PoliteClient:
        return client_for(self.s, self.s.orcid_delay, headers={"Accept": "application/json"})

    def request(self, task: dict[str, Any], cursor: Any) -> Request:
        return Request(
            f"{self.s.orcid_api.rstrip('/')}/{task['orcid']}/{task['part']}", {}, not_found_ok=True
        )

    def page(self, task: dict[str, Any], cursor: Any, body: Any) -> Page:
        if body is None:
            return Page(0, None)
        if not isinstance(body, dict):
            raise HarvestError("orcid: the answer is not an ORCID record")
        n = len(body.get("group") or []) if task["part"] == "works" else 1
        return Page(n, None)


# ---- Semantic Scholar ----------------------------------------------------------------------------------------

PAPER_FIELDS = (
    "paperId,externalIds,title,abstract,venue,year,publicationDate,journal,publicationTypes,"
    "authors,referenceCount,citationCount"
)
LIST_PAPER_FIELDS = "paperId,externalIds,title,venue,year,publicationDate,journal,publicationTypes,authors"
AUTHOR_FIELDS = "authorId,externalIds,name,aliases,affiliations,homepage,paperCount"
BATCH_SIZE = 500  # the paper batch endpoint takes at most 500 ids


class SemanticScholar(Plan):
    source = "semanticscholar"

    def __init__(
        self,
        s: Settings,
        *,
        papers: list[str],
        authors: list[str],
        batch: list[str],
        citations: bool,
        references: bool,
        page_size: int = 1000,
    ) -> None:
        self.s = s
        self.tasks = []
        for p in papers:
            self.tasks.append({"paper": p})
            if references:
                self.tasks.append({"paper": p, "list": "references", "limit": page_size})
            if citations:
                self.tasks.append({"paper": p, "list": "citations", "limit": page_size})
        for a in authors:
            self.tasks.append({"author": a})
            self.tasks.append({"author": a, "list": "papers", "limit": page_size})
        for i in range(0, len(batch), BATCH_SIZE):
            self.tasks.append({"batch": batch[i : i + BATCH_SIZE]})
        if not self.tasks:
            raise InputError("semanticscholar: give --paper, --author or --papers-file")

    def client(self) -> PoliteClient:
        key = self.s.s2_api_key.get_secret_value() if self.s.s2_api_key else None
        return client_for(self.s, self.s.s2_delay, headers={"x-api-key": key} if key else {})

    def request(self, task: dict[str, Any], cursor: Any) -> Request:
        base = self.s.s2_api.rstrip("/")
        if "batch" in task:
            return Request(
                f"{base}/paper/batch",
                {"fields": PAPER_FIELDS},
                method="POST",
                json_body={"ids": task["batch"]},
            )
        kind, key = ("paper", task["paper"]) if "paper" in task else ("author", task["author"])
        if "list" not in task:
            fields = PAPER_FIELDS if kind == "paper" else AUTHOR_FIELDS
            return Request(f"{base}/{kind}/{key}", {"fields": fields}, not_found_ok=True)
        fields = {"citations": f"contexts,{LIST_PAPER_FIELDS}", "references": LIST_PAPER_FIELDS}.get(
            task["list"], LIST_PAPER_FIELDS
        )
        params = {"fields": fields, "offset": str(cursor or 0), "limit": str(task["limit"])}
        return Request(f"{base}/{kind}/{key}/{task['list']}", params, not_found_ok=True)

    def page(self, task: dict[str, Any], cursor: Any, body: Any) -> Page:
        if body is None:
            return Page(0, None)
        if "batch" in task:
            return Page(sum(1 for x in body or [] if x), None)
        if "list" not in task:
            return Page(1, None)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise HarvestError("semanticscholar: the answer is not a {data: […]} page")
        nxt = body.get("next")
        return Page(len(body["data"]), nxt if body["data"] and nxt is not None else None)
