"""Canonical records: what every loader yields and what identity, topics and the store consume."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    model_validator,
)

# Sanity limits: a record past them is rejected with a clear reason instead of polluting the graph.
MAX_TITLE = 2_000
MAX_ABSTRACT = 100_000
MAX_AUTHORS = 5_000  # the largest real author lists run to a few thousand (particle physics)
MIN_YEAR, MAX_YEAR = 1000, 2100
MAX_NAME = 1_000  # characters of a person's, institution's or topic's name (real ones stay under 200)
MAX_ID = 1_000  # characters of an identifier (the longest real DOIs run to a few hundred)
MAX_LIST = 50_000  # references, categories, aliases, keywords of one record
# Neo4j 5.26's range indexes (and the uniqueness constraints on `id`) refuse a string key over 8,164 bytes, failing
# the whole transaction ("Property value is too large to index"). Names, titles and ids become such keys (name_key,
# title_key, typed ids with a prefix), after Unicode normalisation that may lengthen them: half the limit is kept.
MAX_KEY_BYTES = 4_000

# Characters removed from every text field at parse time. C0 controls other than tab and line ends (NUL above
# all) never carry meaning in scholarly metadata and break terminals and CSV tools; bidi embeddings, overrides and
# isolates (U+202A–U+202E, U+2066–U+2069) can make a name draw reversed or hide part of it. The plain direction
# marks (U+200E, U+200F, U+061C) stay: they cannot reorder text.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{_CONTROLS}{_BIDI_CONTROLS}]")
_CONTROL = re.compile(f"[{_CONTROLS}]")


def key_bytes(text: str) -> int:
    """The most UTF-8 bytes an index key made from this text can take (as written, or compatibility-normalised
    and case-folded, which can lengthen it: 'ﷺ' becomes 18 characters)."""
    return max(len(text.encode("utf-8")), len(unicodedata.normalize("NFKD", text.casefold()).encode("utf-8")))


# The messages of these checks follow the field's name: "authors.3.name is 10,000 characters long (…)".
def _fits_index(max_chars: int) -> Any:
    def check(value: str) -> str:
        if len(value) > max_chars:
            raise ValueError(f"is {len(value):,} characters long (at most {max_chars:,})")
        if key_bytes(value) > MAX_KEY_BYTES:
            raise ValueError(
                f"takes {key_bytes(value):,} bytes as an index key (at most {MAX_KEY_BYTES:,}: Neo4j cannot "
                "index more)"
            )
        return value

    return check


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is blank (only white space)")
    return value


# A name or an id that becomes an index key in Neo4j: bounded so that it can never fail a write.
Name = Annotated[str, AfterValidator(_fits_index(MAX_NAME)), AfterValidator(_not_blank)]
OptionalName = Annotated[str, AfterValidator(_fits_index(MAX_NAME))]
Identifier = Annotated[str, AfterValidator(_fits_index(MAX_ID))]
Title = Annotated[str, AfterValidator(_fits_index(MAX_TITLE)), AfterValidator(_not_blank)]

SourceName = Literal["profile", "arxiv-listing", "daily-papers", "openalex", "arxiv", "arxiv-metadata", "csv"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _clean_value(value: Any, path: str, repairs: list[str]) -> Any:
    """The value with unsafe characters removed from every string in it; what was repaired is added to repairs
    (control characters only: dropping a bidi control is silent, it changes no letter)."""
    if isinstance(value, str):
        if not _UNSAFE.search(value):
            return value
        if _CONTROL.search(value):
            repairs.append(f"{path} (control characters removed)")
        return _UNSAFE.sub("", value)
    if isinstance(value, list):
        return [_clean_value(v, f"{path}.{i}", repairs) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _clean_value(v, f"{path}.{k}" if path else str(k), repairs) for k, v in value.items()}
    if isinstance(value, _CleanRecord):
        repairs.extend(f"{path}.{r}" for r in value.repairs)
    return value


class _CleanRecord(_Record):
    """A record whose text fields hold no control or bidi control characters; `repairs` names the fields that had
    control characters removed (NUL bytes above all), so the parser can report them."""

    _repairs: list[str] = PrivateAttr(default_factory=list)
    # optional name fields where a blank value (only white space) is left out, and reported, rather than kept
    _blank_to_none: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _without_unsafe_characters(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        repairs: list[str] = []
        if isinstance(data, dict):
            data = _clean_value(data, "", repairs)
            for key in cls._blank_to_none:
                value = data.get(key)
                if isinstance(value, str) and not value.strip():
                    data[key] = None
                    if value:
                        repairs.append(f"{key} (blank, left out)")
        record = handler(data)
        if repairs:
            record._repairs = repairs
        return record

    @property
    def repairs(self) -> list[str]:
        return self._repairs


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


class InstitutionRef(_CleanRecord):
    _blank_to_none = ("name",)

    name: OptionalName | None = None
    ror: Identifier | None = None  # normalised: "https://ror.org/…" stripped to the bare id, e.g. "00f54p054"
    openalex_id: Identifier | None = None  # "I27837315"
    source_id: Identifier | None = None  # an id the source itself uses (the CSV bundle's institution_id)
    country_code: Identifier | None = None
    type: Identifier | None = None


class AuthorRef(_CleanRecord):
    """One author as a work lists them, in order."""

    name: Name
    position: int  # 1-based order in the work's author list
    orcid: Identifier | None = None  # bare "0000-0002-1825-0097"
    openalex_id: Identifier | None = None  # "A5023888391"
    source_id: Identifier | None = None  # an id the source itself uses (the CSV bundle's author_id)
    institutions: list[InstitutionRef] = Field(default_factory=list)
    raw_affiliations: list[str] = Field(default_factory=list, max_length=MAX_LIST)


class TopicRef(_CleanRecord):
    """A topic a source attached to a work (OpenAlex topics, arXiv categories)."""

    _blank_to_none = ("name",)

    id: Identifier  # "openalex:T10001" or "arxiv:cs.LG"
    name: OptionalName | None = None
    scheme: Literal["openalex", "arxiv"] = "openalex"
    level: Literal["domain", "field", "subfield", "topic", "category"] = "topic"
    score: float | None = None


class WorkIds(_CleanRecord):
    doi: Identifier | None = None  # lower-case, no resolver prefix: "10.1016/j.joi.2017.08.007"
    arxiv: Identifier | None = None  # version stripped: "2104.12255", "quant-ph/0201082"
    openalex: Identifier | None = None  # "W2755950973"
    mag: Identifier | None = None
    pmid: Identifier | None = None
    source_id: Identifier | None = None  # an id the source itself uses (the CSV bundle's work_id)


class WorkRecord(_CleanRecord):
    kind: Literal["work"] = "work"
    prov: Provenance
    title: Title
    abstract: str | None = Field(default=None, max_length=MAX_ABSTRACT)
    type: str | None = None  # "preprint", "article", …
    venue: str | None = None
    year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    # arXiv-style codes as the source gives them ("LG", "cs.LG"); each becomes a topic id
    categories: list[Identifier] = Field(default_factory=list, max_length=MAX_LIST)
    authors: list[AuthorRef] = Field(default_factory=list, max_length=MAX_AUTHORS)
    authors_truncated: bool = False  # the source showed "et al." or only a count
    author_count: int | None = None  # how many authors the source says there are (may exceed len(authors))
    score: float | None = None
    upvotes: int | None = None
    has_code: bool | None = None
    organisation: str | None = None
    language: str | None = None
    ids: WorkIds = Field(default_factory=WorkIds)
    topics: list[TopicRef] = Field(default_factory=list, max_length=MAX_LIST)
    # OpenAlex ids of cited works ("W…")
    references: list[Identifier] = Field(default_factory=list, max_length=MAX_LIST)


class ReportedCounts(_Record):
    """Counts a source states about a researcher (kept apart from counts computed from the graph)."""

    works: int | None = None
    followers: int | None = None
    topics: int | None = None
    close_collaborators: int | None = None


class ResearcherIds(_CleanRecord):
    orcid: Identifier | None = None
    openalex: Identifier | None = None  # "A5023888391"
    profile: Identifier | None = None  # a profile page's own identity: a stable key for that page's person
    source_id: Identifier | None = None


class ResearcherRecord(_CleanRecord):
    """A person as a profile page or an author entity describes them, with the works the page lists."""

    kind: Literal["researcher"] = "researcher"
    prov: Provenance
    name: Name
    aliases: list[OptionalName] = Field(default_factory=list, max_length=MAX_LIST)
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


class InstitutionRecord(_CleanRecord):
    kind: Literal["institution"] = "institution"
    prov: Provenance
    name: Name
    ror: Identifier | None = None
    openalex_id: Identifier | None = None
    country_code: Identifier | None = None
    type: Identifier | None = None


class TopicRecord(_CleanRecord):
    """A topic entity (OpenAlex topic record) with its place in the hierarchy."""

    kind: Literal["topic"] = "topic"
    prov: Provenance
    id: Identifier  # "openalex:T11636"
    name: Name
    keywords: list[str] = Field(default_factory=list, max_length=MAX_LIST)
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
    # True for a note about a record that was kept (repaired at parse time): reported, not lost
    note: bool = False

    @property
    def message(self) -> str:
        where = (
            self.file
            + (f":{self.line}" if self.line is not None else "")
            + (f" (byte {self.offset})" if self.offset is not None and self.line is None else "")
        )
        return f"{where}: {self.reason}"
