"""Canonical records: what every loader yields and what identity, topics and the store consume."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Sanity limits: a record past them is rejected with a clear reason instead of polluting the graph.
MAX_TITLE = 2_000
MAX_ABSTRACT = 100_000
MAX_AUTHORS = 5_000  # the largest real author lists run to a few thousand (particle physics)
MIN_YEAR, MAX_YEAR = 1000, 2100

SourceName = Literal["profile", "arxiv-listing", "daily-papers", "openalex", "arxiv", "arxiv-metadata", "csv"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Provenance(_Record):
    """Where a record came from: the source kind, the file, and the line (1-based) or record id inside it."""

    source: SourceName
    file: str | None = None
    line: int | None = None
    record_id: str | None = None

    @property
    def ref(self) -> str:
        where = self.file or "-"
        if self.line is not None:
            where += f":{self.line}"
        if self.record_id:
            where += f"#{self.record_id}"
        return where


class InstitutionRef(_Record):
    name: str | None = None
    ror: str | None = None  # normalised: "https://ror.org/…" stripped to the bare id, e.g. "00f54p054"
    openalex_id: str | None = None  # "I27837315"
    source_id: str | None = None  # an id the source itself uses (the CSV bundle's institution_id)
    country_code: str | None = None
    type: str | None = None


class AuthorRef(_Record):
    """One author as a work lists them, in order."""

    name: str
    position: int  # 1-based order in the work's author list
    orcid: str | None = None  # bare "0000-0002-1825-0097"
    openalex_id: str | None = None  # "A5023888391"
    source_id: str | None = None  # an id the source itself uses (the CSV bundle's author_id)
    institutions: list[InstitutionRef] = Field(default_factory=list)
    raw_affiliations: list[str] = Field(default_factory=list)


class TopicRef(_Record):
    """A topic a source attached to a work (OpenAlex topics, arXiv categories)."""

    id: str  # "openalex:T10001" or "arxiv:cs.LG"
    name: str | None = None
    scheme: Literal["openalex", "arxiv"] = "openalex"
    level: Literal["domain", "field", "subfield", "topic", "category"] = "topic"
    score: float | None = None


class WorkIds(_Record):
    doi: str | None = None  # lower-case, no resolver prefix: "10.1016/j.joi.2017.08.007"
    arxiv: str | None = None  # version stripped: "2104.12255", "quant-ph/0201082"
    openalex: str | None = None  # "W2755950973"
    mag: str | None = None
    pmid: str | None = None
    source_id: str | None = None  # an id the source itself uses (the CSV bundle's work_id)


class WorkRecord(_Record):
    kind: Literal["work"] = "work"
    prov: Provenance
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    abstract: str | None = Field(default=None, max_length=MAX_ABSTRACT)
    type: str | None = None  # "preprint", "article", …
    venue: str | None = None
    year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    categories: list[str] = Field(
        default_factory=list
    )  # arXiv-style codes as the source gives them ("LG", "cs.LG")
    authors: list[AuthorRef] = Field(default_factory=list, max_length=MAX_AUTHORS)
    authors_truncated: bool = False  # the source showed "et al." or only a count
    author_count: int | None = None  # how many authors the source says there are (may exceed len(authors))
    score: float | None = None
    upvotes: int | None = None
    has_code: bool | None = None
    organisation: str | None = None
    language: str | None = None
    ids: WorkIds = Field(default_factory=WorkIds)
    topics: list[TopicRef] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)  # OpenAlex ids of cited works ("W…")
    cited_by_count: int | None = Field(default=None, ge=0)  # citations as the source counts them
    pdf_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")  # an open-access PDF


class ReportedCounts(_Record):
    """Counts a source states about a researcher (kept apart from counts computed from the graph)."""

    works: int | None = None
    followers: int | None = None
    topics: int | None = None
    close_collaborators: int | None = None


class ResearcherIds(_Record):
    orcid: str | None = None
    openalex: str | None = None  # "A5023888391"
    profile: str | None = None  # a profile page's own identity: a stable key for that page's person
    source_id: str | None = None


class ResearcherRecord(_Record):
    """A person as a profile page or an author entity describes them, with the works the page lists."""

    kind: Literal["researcher"] = "researcher"
    prov: Provenance
    name: str
    aliases: list[str] = Field(default_factory=list)
    headline: str | None = None
    affiliation: str | None = None
    affiliation_status: Literal["known", "not_imported", "unknown"] = "unknown"
    institutions: list[InstitutionRef] = Field(default_factory=list)
    trust_score: int | None = None
    trust_label: str | None = None
    verification_level: str | None = None  # "L1"
    claimed: bool | None = None
    open_to_collaborate: bool | None = None
    reported: ReportedCounts = Field(default_factory=ReportedCounts)
    ids: ResearcherIds = Field(default_factory=ResearcherIds)
    works: list[WorkRecord] = Field(
        default_factory=list
    )  # the page's published works, authored by this person


class InstitutionRecord(_Record):
    kind: Literal["institution"] = "institution"
    prov: Provenance
    name: str
    ror: str | None = None
    openalex_id: str | None = None
    country_code: str | None = None
    type: str | None = None


class TopicRecord(_Record):
    """A topic entity (OpenAlex topic record) with its place in the hierarchy."""

    kind: Literal["topic"] = "topic"
    prov: Provenance
    id: str  # "openalex:T11636"
    name: str
    keywords: list[str] = Field(default_factory=list)
    subfield: TopicRef | None = None
    field: TopicRef | None = None
    domain: TopicRef | None = None


Record = WorkRecord | ResearcherRecord | InstitutionRecord | TopicRecord


class Reject(_Record):
    """Input that could not be parsed or validated: it goes to the rejects file, the rest still loads."""

    kind: Literal["reject"] = "reject"
    file: str
    line: int | None = None
    offset: int | None = None
    reason: str
    raw: str | None = None  # the offending text, cut to a few KB

    @property
    def message(self) -> str:
        where = (
            self.file
            + (f":{self.line}" if self.line is not None else "")
            + (f" (byte {self.offset})" if self.offset is not None and self.line is None else "")
        )
        return f"{where}: {self.reason}"
