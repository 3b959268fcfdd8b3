"""Canonical records: what every loader yields and what identity, topics and the store consume."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from kg.normalize import identifiable_work

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
    if text.isascii():  # neither normalisation nor case folding lengthens ASCII
        return len(text)
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

SourceName = Literal[
    "profile",
    "arxiv-listing",
    "daily-papers",
    "openalex",
    "arxiv",
    "arxiv-metadata",
    "arxiv-abs",
    "csv",
    "crossref",
    "orcid",
    "semanticscholar",
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # optional name fields where a blank value (only white space) is left out, and reported, rather than kept
    _blank_to_none: ClassVar[tuple[str, ...]] = ()
    # required text fields that must not become blank once unsafe characters are removed
    _required_text: ClassVar[tuple[str, ...]] = ()
    # fields holding whole records (a profile page's works), cleaned when they were built
    _nested_records: ClassVar[tuple[str, ...]] = ()


# What a record's JSON shows when one of its strings may need repair: an escaped control character (JSON escapes
# them, tab and line ends aside), DEL or a bidi control as they are, or a "name" of white space only. A false alarm
# (a literal backslash followed by u00, b or f) only costs the slow path, which then finds nothing. Plain substring
# tests and patterns with a literal start keep this to a few microseconds a record.
_RAW_UNSAFE = re.compile(f"[{_BIDI_CONTROLS}]")
_BLANK_NAME = re.compile(r'"name":"(?:\s|\\[tnr])+"')


def _suspect(js: str) -> bool:
    # one-character tests first (memchr-fast); the escape sequences only when the JSON holds a backslash at all
    return (
        ("\\" in js and ("\\u00" in js or "\\b" in js or "\\f" in js))
        or "\x7f" in js
        or (not js.isascii() and _RAW_UNSAFE.search(js) is not None)
        or _BLANK_NAME.search(js) is not None
    )


def _clean_text(value: str, path: str, repairs: list[str]) -> str:
    if not _UNSAFE.search(value):
        return value
    if _CONTROL.search(value):
        repairs.append(f"{path} (control characters removed)")
    return _UNSAFE.sub("", value)


def _clean_model(model: _Record, path: str, repairs: list[str]) -> None:
    """Remove unsafe characters from every string inside a record, in place, noting in repairs what was repaired
    (control characters only: dropping a bidi control changes no letter and is not reported)."""
    if isinstance(model, _CleanRecord):
        # a record cleaned in place (a profile page's work) is no longer what was parsed
        model._parsed_json = None
    for name in type(model).model_fields:
        value = getattr(model, name)
        where = f"{path}{name}"
        if isinstance(value, str):
            cleaned = _clean_text(value, where, repairs)
            if name in model._blank_to_none and not cleaned.strip():
                repairs.append(f"{where} (blank, left out)")
                setattr(model, name, None)
            elif name in model._required_text and not cleaned.strip():
                raise ValueError(f"{where} is blank once control characters are removed")
            elif cleaned is not value:
                setattr(model, name, cleaned)
        elif isinstance(value, list):
            items: list[Any] = []
            for i, item in enumerate(value):
                if isinstance(item, _Record):
                    _clean_model(item, f"{where}.{i}.", repairs)
                    items.append(item)
                else:
                    items.append(
                        _clean_text(item, f"{where}.{i}", repairs) if isinstance(item, str) else item
                    )
            if items != value:
                setattr(model, name, items)
        elif isinstance(value, _Record) and not isinstance(value, Provenance):  # a file name stays as it is
            _clean_model(value, f"{where}.", repairs)


class _CleanRecord(_Record):
    """A record (work, researcher, institution, topic) whose text holds no control or bidi control characters and
    no blank optional name, at any depth; `repairs` names what was removed, so the parser can report it. Checked
    once per record on its JSON (fast), cleaned field by field only when something is there."""

    _repairs: list[str] = PrivateAttr(default_factory=list)
    # the JSON the check below read, when cleaning changed nothing (see parsed_json)
    _parsed_json: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _without_unsafe_characters(self) -> Any:
        repairs = [
            f"{name}.{i}.{repair}"
            for name in self._nested_records
            for i, record in enumerate(getattr(self, name))
            for repair in record.repairs
        ]
        js = self.model_dump_json()
        if _suspect(js):
            _clean_model(self, "", repairs)
        elif _KEEP_PARSED_JSON.get():
            self._parsed_json = js
        if repairs:
            self._repairs = repairs
        return self

    @property
    def repairs(self) -> list[str]:
        return self._repairs

    def __setattr__(self, name: str, value: Any) -> None:
        # a field set after validation (a parser completing its record): the JSON as parsed is no longer its own
        private = getattr(self, "__pydantic_private__", None)
        if private and name in type(self).model_fields:
            private["_parsed_json"] = None
        super().__setattr__(name, value)

    def parsed_json(self) -> str | None:
        """model_dump_json() as it was when the record was made inside parsed_json_kept(); None otherwise, or when
        cleaning or a field set since changed it. A change inside a field (an author's name set in place) or a copy
        is not seen: only for a record straight from a parser that sets nothing in place after making it (the CSV
        bundle's, in the staging workers)."""
        return self._parsed_json


# whether records made now keep the JSON their validation wrote (parsed_json): only where it is used, since a
# record holding it holds its JSON twice over (once in the record, once as text) for as long as it lives
_KEEP_PARSED_JSON: ContextVar[bool] = ContextVar("kg_keep_parsed_json", default=False)


@contextmanager
def parsed_json_kept() -> Iterator[None]:
    """Records made inside keep the JSON their validation wrote, for parsed_json()."""
    token = _KEEP_PARSED_JSON.set(True)
    try:
        yield
    finally:
        _KEEP_PARSED_JSON.reset(token)


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
    _blank_to_none = ("name",)

    name: OptionalName | None = None
    ror: Identifier | None = None  # normalised: "https://ror.org/…" stripped to the bare id, e.g. "00f54p054"
    openalex_id: Identifier | None = None  # "I27837315"
    source_id: Identifier | None = None  # an id the source itself uses (the CSV bundle's institution_id)
    country_code: Identifier | None = None
    type: Identifier | None = None


def shared_institution(source_id: str | None, name: str | None) -> InstitutionRef:
    """InstitutionRef(source_id=…, name=…), one model for each (id, name) where a parser names the same place on
    many works (validating it again each time was a tenth of a CSV staging worker's time). Sharing is safe: nothing
    changes an InstitutionRef once made but a record's cleaning (_clean_model), and text that cleaning would change
    gets a model of its own, so every record holding it is repaired and noted. A value the model refuses raises
    each time it is asked for."""
    if (source_id and _UNSAFE.search(source_id)) or (name and _UNSAFE.search(name)):
        return InstitutionRef(source_id=source_id, name=name)
    return _institution(source_id, name)


@lru_cache(maxsize=20_000)
def _institution(source_id: str | None, name: str | None) -> InstitutionRef:
    return InstitutionRef(source_id=source_id, name=name)


class AuthorRef(_Record):
    """One author as a work lists them, in order."""

    _required_text = ("name",)

    name: Name
    # 1-based order in the work's author list; 0 would vanish from a mention's JSON (0 reads as unset there)
    position: int = Field(ge=1)
    orcid: Identifier | None = None  # bare "0000-0002-1825-0097"
    openalex_id: Identifier | None = None  # "A5023888391"
    source_id: Identifier | None = None  # an id the source itself uses (the CSV bundle's author_id)
    s2_id: Identifier | None = None  # Semantic Scholar author id ("2262347"): a strong id, typed "s2:…"
    institutions: list[InstitutionRef] = Field(default_factory=list)
    raw_affiliations: list[str] = Field(default_factory=list, max_length=MAX_LIST)


class TopicRef(_Record):
    """A topic a source attached to a work (OpenAlex topics, arXiv categories)."""

    _blank_to_none = ("name",)

    id: Identifier  # "openalex:T10001" or "arxiv:cs.LG"
    name: OptionalName | None = None
    scheme: Literal["openalex", "arxiv"] = "openalex"
    level: Literal["domain", "field", "subfield", "topic", "category"] = "topic"
    score: float | None = None


class WorkIds(_Record):
    doi: Identifier | None = None  # lower-case, no resolver prefix: "10.1016/j.joi.2017.08.007"
    arxiv: Identifier | None = None  # version stripped: "2104.12255", "quant-ph/0201082"
    openalex: Identifier | None = None  # "W2755950973"
    mag: Identifier | None = None
    pmid: Identifier | None = None
    s2: Identifier | None = None  # Semantic Scholar paperId, 40 hex digits
    source_id: Identifier | None = None  # an id the source itself uses (the CSV bundle's work_id)


class WorkRecord(_CleanRecord):
    _required_text = ("title",)

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
    # cited works by typed id ("doi:10.…", "arxiv:2104.12255", "openalex:W…", "s2:<paperId>", "mag:…"; a bare
    # "W…" is an OpenAlex id); one cited paper may be named by several of its ids
    references: list[Identifier] = Field(default_factory=list, max_length=MAX_LIST)
    cited_by_count: int | None = Field(default=None, ge=0)  # citations as the source counts them
    pdf_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")  # an open-access PDF

    @model_validator(mode="after")
    def _identifiable(self) -> WorkRecord:
        # a work with neither an id nor a title key could be no Work node: reject it here, with its file and line,
        # instead of failing the whole load where the stage names its Work
        if not identifiable_work(self.title, self.ids):
            raise ValueError(
                f"the work has no DOI, arXiv, OpenAlex, Semantic Scholar or MAG id, and its title {self.title!r} "
                "has no letter or digit to know it by"
            )
        return self


class ReportedCounts(_Record):
    """Counts a source states about a researcher (kept apart from counts computed from the graph)."""

    works: int | None = None
    followers: int | None = None
    topics: int | None = None
    close_collaborators: int | None = None


class ResearcherIds(_Record):
    orcid: Identifier | None = None
    openalex: Identifier | None = None  # "A5023888391"
    profile: Identifier | None = None  # a profile page's own identity: a stable key for that page's person
    s2: Identifier | None = None  # Semantic Scholar author id ("2262347")
    source_id: Identifier | None = None


class ResearcherRecord(_CleanRecord):
    """A person as a profile page or an author entity describes them, with the works the page lists."""

    _nested_records = ("works",)

    kind: Literal["researcher"] = "researcher"
    prov: Provenance
    # "" when the page names nobody (a profile that starts at its "Trust snapshot"): a researcher without a name
    name: OptionalName
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
    _required_text = ("name",)

    kind: Literal["institution"] = "institution"
    prov: Provenance
    name: Name
    ror: Identifier | None = None
    openalex_id: Identifier | None = None
    country_code: Identifier | None = None
    type: Identifier | None = None


class TopicRecord(_CleanRecord):
    """A topic entity (OpenAlex topic record) with its place in the hierarchy."""

    _required_text = ("name",)

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
