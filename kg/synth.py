"""A realistic synthetic scholarly corpus (CSV bundle, optionally OpenAlex-shaped JSONL), streamed, same seed → same bytes."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from kg.errors import InputError
from kg.topic_table import read_table

WORKS_HEADER = ["work_id", "title", "year", "venue", "doi", "arxiv_id", "abstract"]
AUTHORSHIPS_HEADER = ["work_id", "author_id", "author_name", "position", "institution_id", "institution_name"]

# Shape of the corpus. Exponents are chosen so that at 1M works the most productive researcher has thousands of
# works while most researchers have one or a few (Lotka-like), and a few topics/institutions dominate.
RESEARCHERS_PER_WORK = 0.8  # size of the pool of recurring researchers, relative to the number of works
PRODUCTIVITY_ALPHA = 2.2  # rank = R * u**alpha: larger → heavier head
TOPIC_ALPHA = 2.0
INSTITUTION_ALPHA = 2.5
NAME_ALPHA = 1.6  # popular given/family names repeat a lot → same name, different people
HYPER_TEAM_P = 0.002  # works with 100–1000 authors (large collaborations)
LARGE_TEAM_P = 0.03  # works with 10–50 authors
CONSORTIUM_MEMBERS = 1000
YEAR_MAX = 2025
YEAR_SPAN = 36
ARXIV_MAX_WORKS = 1_200_000  # arXiv ids are YYMM.NNNNN: unique up to this many works
POOL_ID_BASE = 5_100_000_000
FRESH_ID_BASE = 5_900_000_000
WORK_ID_BASE = 4_100_000_000
INSTITUTION_ID_BASE = 4_200_000_000

_M64 = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64 finaliser: a fast, well-spread 64-bit hash, identical on every platform."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


@dataclass(frozen=True)
class TopicVocab:
    id: int
    name: str
    keywords: tuple[str, ...]
    subfield_id: int
    subfield: str
    field_id: int
    field: str
    domain_id: int
    domain: str


# Used when the OpenAlex taxonomy file is absent: a small but real-looking vocabulary.
_BUILTIN_TOPICS: list[tuple[int, str, str, int, str, int, str, int, str]] = [
    (10028, "Natural Language Processing", "Neural Networks; Word Representation; Machine Translation; Text Classification; Semantic Similarity; Named Entity Recognition; Pretrained Models; Topic Modeling", 1702, "Artificial Intelligence", 17, "Computer Science", 3, "Physical Sciences"),
    (10036, "Deep Learning in Computer Vision", "Convolutional Neural Networks; Image Recognition; Object Detection; Semantic Segmentation; Image Classification; Model Compression; Autonomous Driving", 1707, "Computer Vision and Pattern Recognition", 17, "Computer Science", 3, "Physical Sciences"),
    (10020, "Quantum Information and Computation", "Quantum; Entanglement; Cryptography; Computation; Metrology; Superconducting Circuits; Photon; Measurement", 1702, "Artificial Intelligence", 17, "Computer Science", 3, "Physical Sciences"),
    (10026, "Galaxy Formation and Evolution", "Galaxies; Cosmology; Black Holes; Stellar Populations; Star Formation; Dark Matter; Quasars", 3103, "Astronomy and Astrophysics", 31, "Physics and Astronomy", 3, "Physical Sciences"),
    (10009, "Diagnosis and Management of Alzheimer's Disease", "Mild Cognitive Impairment; Dementia; Neuroimaging; Cognitive Decline; Biomarkers; Aging", 2738, "Psychiatry and Mental health", 27, "Medicine", 4, "Health Sciences"),
    (10018, "Lithium-ion Battery Technology", "Battery Materials; Energy Storage; Nanostructured Anodes; Cathode Materials; Electrochemical Performance", 2208, "Electrical and Electronic Engineering", 22, "Engineering", 3, "Physical Sciences"),
    (10012, "Population Genetic Structure and Dynamics", "Population Genetics; Genetic Structure; Microsatellite Analysis; Bayesian Inference; Genetic Diversity; Phylogeography", 1311, "Genetics", 13, "Biochemistry, Genetics and Molecular Biology", 1, "Life Sciences"),
    (10007, "Macroeconomic Analysis and Policy Implications", "Monetary Policy; Fiscal Policy; Economic Growth; Business Cycles; Interest Rates; Exchange Rates; Inflation Dynamics", 2000, "General Economics, Econometrics and Finance", 20, "Economics, Econometrics and Finance", 2, "Social Sciences"),
    (10029, "Climate Change and Variability Research", "Global Warming; Extreme Events; Climate Modeling; Precipitation Extremes; Ocean Circulation; ENSO Variability", 2306, "Global and Planetary Change", 23, "Environmental Science", 3, "Physical Sciences"),
    (10021, "Language Teaching and Second Language Acquisition", "Second Language Acquisition; Corrective Feedback; L2 Motivation; Task-based Instruction; Language Anxiety", 1203, "Language and Linguistics", 12, "Arts and Humanities", 2, "Social Sciences"),
    (10031, "Regulatory T Cell Development and Function", "Immune Tolerance; Autoimmunity; Thymic Selection; Memory T Cells; Tumor Immunity", 2403, "Immunology", 24, "Immunology and Microbiology", 1, "Life Sciences"),
    (10037, "High-Temperature Superconductivity", "Cuprate Superconductors; Dynamical Mean-Field Theory; Proximity Effects; Quantum Monte Carlo; Electronic Structure Calculations", 3104, "Condensed Matter Physics", 31, "Physics and Astronomy", 3, "Physical Sciences"),
]  # fmt: skip

_GIVEN = (
    "Wei Jing Li Xin Yan Hui Lei Jun Ming Hao Yu Chen Ying Fang Tao Bo Lin Qiang Jie Ping "
    "Maria Anna David Michael John James Robert Daniel Thomas Laura Sarah Elena Paul Peter Andrea Marco "
    "Luca Giulia Sofia Carlos Juan Jose Ana Pedro Luis Miguel Sergei Olga Ivan Dmitri Natalia Alexei "
    "Hiroshi Takashi Yuki Kenji Akira Satoshi Min-jun Ji-woo Seo-yeon Hyun Priya Rahul Amit Anil Sanjay "
    "Deepa Arjun Kavya Mohammed Ahmed Fatima Omar Ali Hassan Leila Mehdi Reza Sara Emma Lucas Noah Liam "
    "Olivia Mia Hannah Jonas Felix Lena Katrin Stefan Tobias Julia Pierre Camille Louis Claire Antoine "
    "Chloe Ingrid Lars Nils Astrid Sven Kofi Ama Chidi Ngozi Tunde Aisha Mateo Valentina Diego Camila "
    "Thanh Linh Minh Anh Duc Huong Mehmet Ayse Emre Zeynep Piotr Katarzyna Tomasz Agnieszka Jan Eva"
).split()
_FAMILY = (
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo "
    "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Smith Johnson Williams Brown Jones Garcia Miller Davis "
    "Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Taylor Thomas Moore Martin Jackson "
    "Nguyen Tran Le Pham Hoang Phan Vu Dang Bui Do Kumar Singh Sharma Patel Gupta Shah Reddy Rao Iyer "
    "Das Mehta Suzuki Sato Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Muller Schmidt "
    "Schneider Fischer Weber Meyer Wagner Becker Hoffmann Rossi Russo Ferrari Esposito Bianchi Romano "
    "Colombo Ivanov Smirnov Kuznetsov Popov Petrov Volkov Dubois Durand Leroy Moreau Laurent Simon Michel "
    "Silva Santos Oliveira Souza Costa Pereira Almeida Ferreira Hansen Johansson Nielsen Larsen Andersson "
    "Kowalski Nowak Wisniewski Yilmaz Kaya Demir Hosseini Ahmadi Rezaei Okafor Mensah Adeyemi van-der-Berg"
).split()
_CITIES = (
    "Amsterdam Athens Austin Barcelona Beijing Berlin Bologna Boston Brisbane Budapest Cairo Cambridge "
    "Cape-Town Chengdu Chicago Copenhagen Delft Delhi Dresden Dublin Edinburgh Florence Geneva Ghent "
    "Glasgow Gothenburg Graz Hamburg Hangzhou Heidelberg Helsinki Hong-Kong Houston Istanbul Jakarta "
    "Kyoto Lagos Lausanne Leiden Leipzig Lisbon London Los-Angeles Lyon Madrid Manchester Melbourne "
    "Mexico-City Milan Montreal Moscow Mumbai Munich Nagoya Nairobi Nanjing Naples Osaka Oslo Ottawa "
    "Oxford Padua Paris Pisa Porto Prague Princeton Pune Quebec Rome Rotterdam San-Diego Santiago "
    "Sao-Paulo Seattle Seoul Shanghai Shenzhen Singapore Stockholm Stuttgart Sydney Taipei Tehran "
    "Tel-Aviv Tokyo Toronto Toulouse Trento Tsukuba Turin Uppsala Utrecht Valencia Vancouver Vienna "
    "Warsaw Wuhan Zurich"
).split()
_COUNTRIES = "US CN GB DE FR JP IT CA AU NL ES KR IN CH SE BR".split()
_INSTITUTION_PATTERNS = (
    "University of {c}",
    "{c} Institute of Technology",
    "{c} Medical Center",
    "National Laboratory of {c}",
    "{c} State University",
    "Polytechnic University of {c}",
    "{c} Institute for Advanced Study",
    "{c} School of Economics",
)
_INSTITUTION_TYPES = ("education", "education", "healthcare", "facility", "education", "education", "facility", "education")  # fmt: skip
_ADJ = (
    "Scalable Robust Efficient Interpretable Unified Adaptive Probabilistic Hierarchical Causal Sparse "
    "Multi-scale Data-driven Bayesian Contrastive Self-supervised Longitudinal Comparative Integrated "
    "Distributed Low-cost"
).split()
_FRAMES = (
    "{adj} {k1} for {k2}",
    "Towards {adj} {k1}: A Study of {k2}",
    "{k1} and {k2}: {adj} Approaches in {topic}",
    "On the Role of {k1} in {k2}",
    "{adj} Analysis of {k1} Using {k2}",
    "Revisiting {k1}: {adj} {k2} in {subfield}",
    "A Framework for {k1} with {adj} {k2}",
    "{k1} under {k2}: Evidence from {place}",
)
_METHODS = (
    "a randomised cohort design|a large-scale simulation|a mixed-methods study|a hierarchical Bayesian model|"
    "a transformer-based model|a longitudinal panel|field measurements|a meta-analysis|a graph neural network|"
    "controlled experiments"
).split("|")
_FINDINGS = (
    "a consistent improvement|a strong association|a previously unreported effect|a marked reduction|"
    "robust gains|a clear trade-off|significant heterogeneity"
).split("|")
_VENUE_FRAMES = (
    "Journal of {f}",
    "Annals of {s}",
    "Proceedings of the International Conference on {s}",
    "Transactions on {s}",
    "{f} Letters",
    "Review of {f}",
)


@lru_cache(maxsize=4)
def load_vocabulary(path: Path | None = None) -> tuple[TopicVocab, ...]:
    """Topics with keywords from the OpenAlex taxonomy table (by default the one kg.taxonomy finds, which the
    package ships), else a small built-in vocabulary."""
    from kg.taxonomy import default_path

    p = path if path is not None else default_path()
    rows: list[TopicVocab] = []
    if p.is_file():
        rows = [
            TopicVocab(
                id=t.topic_id,
                name=t.name,
                keywords=t.keywords or (t.subfield_name,),
                subfield_id=t.subfield_id,
                subfield=t.subfield_name,
                field_id=t.field_id,
                field=t.field_name,
                domain_id=t.domain_id,
                domain=t.domain_name,
            )
            for t in read_table(p)
        ]
    elif path is not None:
        raise InputError(f"no topics file at {p}")
    if not rows:
        rows = [
            TopicVocab(
                t[0], t[1], tuple(k.strip() for k in t[2].split(";")), t[3], t[4], t[5], t[6], t[7], t[8]
            )
            for t in _BUILTIN_TOPICS
        ]
    return tuple(rows)


@dataclass(frozen=True)
class Researcher:
    author_id: str
    given: str
    family: str
    institution: int
    second_institution: int
    topic: int
    group_size: int

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


@dataclass
class SynthStats:
    works: int = 0
    authorships: int = 0
    max_team: int = 0
    hyper_team_works: int = 0
    large_team_works: int = 0
    fresh_researchers: int = 0
    works_with_doi: int = 0
    works_with_arxiv: int = 0
    works_without_institution_rows: int = 0
    team_size_histogram: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SynthParams:
    works: int
    seed: int = 0
    openalex: bool = False
    topics_csv: Path | None = None


class Corpus:
    """Decides every work of the corpus in order; researcher, institution and topic traits come from hashing
    their index with the seed, so nothing grows with N except the output files."""

    def __init__(self, params: SynthParams) -> None:
        if params.works < 1:
            raise InputError("--works must be at least 1")
        self.p = params
        self.seed = params.seed & _M64
        self.vocab = load_vocabulary(params.topics_csv)
        n = params.works
        self.pool = max(20, int(n * RESEARCHERS_PER_WORK))
        self.institutions = 50 + n // 100
        self.consortia = 2 + n // 200_000
        # Popularity order of topics: a seeded permutation, so the popular topics are not just the first rows.
        order = sorted(range(len(self.vocab)), key=lambda i: _mix(self.seed ^ (i * 0x5851F42D4C957F2D)))
        self.topic_rank = order
        self.rng = random.Random(self.seed)
        self.fresh = 0
        self.stats = SynthStats()
        self._researcher = lru_cache(maxsize=200_000)(self._make_researcher)

    # ---- hashing helpers -------------------------------------------------------------------------------
    def _h(self, *parts: int) -> int:
        x = self.seed
        for part in parts:
            x = _mix(x ^ (part & _M64))
        return x

    def _u(self, *parts: int) -> float:
        return (self._h(*parts) >> 11) * (1.0 / (1 << 53))

    def _skewed(self, n: int, alpha: float, *parts: int) -> int:
        return min(n - 1, int(n * self._u(*parts) ** alpha))

    # ---- entities ----------------------------------------------------------------------------------------
    def _name(self, salt: int, k: int) -> tuple[str, str]:
        given = _GIVEN[self._skewed(len(_GIVEN), NAME_ALPHA, salt, k, 1)]
        family = _FAMILY[self._skewed(len(_FAMILY), NAME_ALPHA, salt, k, 2)].replace("-", " ")
        if self._u(salt, k, 3) < 0.12:  # a middle initial, as many people publish with
            given += f" {chr(65 + self._h(salt, k, 4) % 26)}."
        return given, family

    def _make_researcher(self, k: int) -> Researcher:
        """Pool researcher k (k >= 0; rank 0 is the most productive) or fresh one-off researcher -1-k."""
        fresh = k < 0
        salt = 2 if fresh else 1
        idx = -1 - k if fresh else k
        given, family = self._name(salt, idx)
        return Researcher(
            author_id=f"A{(FRESH_ID_BASE if fresh else POOL_ID_BASE) + idx}",
            given=given,
            family=family,
            institution=self._skewed(self.institutions, INSTITUTION_ALPHA, salt, idx, 10),
            second_institution=self._skewed(self.institutions, INSTITUTION_ALPHA, salt, idx, 11),
            topic=self.topic_rank[self._skewed(len(self.vocab), TOPIC_ALPHA, salt, idx, 12)],
            group_size=4 + self._h(salt, idx, 13) % 12,
        )

    def researcher(self, k: int) -> Researcher:
        return self._researcher(k)

    def institution(self, i: int) -> tuple[str, str, str, str]:
        """(id, name, country code, type) of institution i."""
        pattern = self._h(3, i, 1) % len(_INSTITUTION_PATTERNS)
        city = _CITIES[self._h(3, i, 2) % len(_CITIES)].replace("-", " ")
        name = _INSTITUTION_PATTERNS[pattern].format(c=city)
        if i >= len(_INSTITUTION_PATTERNS) * len(_CITIES) // 2:  # beyond the distinct names: campuses
            name += f", {_CITIES[self._h(3, i, 3) % len(_CITIES)].replace('-', ' ')} campus"
        country = _COUNTRIES[self._h(3, i, 4) % len(_COUNTRIES)]
        return f"I{INSTITUTION_ID_BASE + i}", name, country, _INSTITUTION_TYPES[pattern]

    def _group_member(self, lead: int, j: int) -> int:
        return min(self.pool - 1, int(self.pool * self._u(4, lead, j) ** 1.3))

    def _consortium_member(self, c: int, j: int) -> int:
        return min(self.pool - 1, int(self.pool * self._u(5, c, j) ** 1.1))

    def _power_law_researcher(self) -> int:
        return min(self.pool - 1, int(self.pool * self.rng.random() ** PRODUCTIVITY_ALPHA))

    def _new_fresh(self) -> int:
        self.fresh += 1
        return -self.fresh

    # ---- works -------------------------------------------------------------------------------------------
    def _team(self, lead: int) -> list[int]:
        rng = self.rng
        r = rng.random()
        if r < HYPER_TEAM_P:
            size = int(100 + 900 * rng.random() ** 3)
            c = min(self.consortia - 1, int(self.consortia * rng.random() ** 1.5))
            start = rng.randrange(CONSORTIUM_MEMBERS)
            members = [self._consortium_member(c, (start + j) % CONSORTIUM_MEMBERS) for j in range(size)]
            team = list(dict.fromkeys(members))  # a collaboration lists each member once, in its own order
            self.stats.hyper_team_works += 1
            return team
        if r < HYPER_TEAM_P + LARGE_TEAM_P:
            size = 10 + int(40 * rng.random() ** 2)
            self.stats.large_team_works += 1
        else:
            size = 1 + min(int(rng.expovariate(1 / 2.8)), 14)
        team = [lead]
        seen = {lead}
        group = self.researcher(lead).group_size
        while len(team) < size:
            u = rng.random()
            if u < 0.55:
                cand = self._group_member(lead, rng.randrange(group))
            elif u < 0.75:
                cand = self._new_fresh()
            else:
                cand = self._power_law_researcher()
            if cand in seen:
                cand = self._new_fresh()
            seen.add(cand)
            team.append(cand)
        if len(team) > 1 and rng.random() < 0.5:  # the lead (PI) is often listed last
            team.append(team.pop(0))
        return team

    def _words(self, topic: TopicVocab, n: int) -> list[str]:
        """n keywords of the topic, distinct while the topic has enough (so titles carry topic signal)."""
        kws = list(topic.keywords)
        while len(kws) < n:
            kws.append(topic.subfield if len(kws) % 2 else topic.field)
        return self.rng.sample(kws, n)

    def works(self) -> Iterator[dict[str, Any]]:
        """Every work in order, as a plain dict with its author list (one work in memory at a time)."""
        rng = self.rng
        vocab = self.vocab
        for i in range(self.p.works):
            lead = self._power_law_researcher()
            team = self._team(lead)
            lead_r = self.researcher(lead)
            if rng.random() < 0.75:
                topic_idx = lead_r.topic
            else:
                topic_idx = self.topic_rank[
                    min(len(vocab) - 1, int(len(vocab) * rng.random() ** TOPIC_ALPHA))
                ]
            topic = vocab[topic_idx]
            year = YEAR_MAX - int(YEAR_SPAN * rng.random() ** 1.8)
            k1, k2, k3 = self._words(topic, 3)
            title = _FRAMES[rng.randrange(len(_FRAMES))].format(
                adj=_ADJ[rng.randrange(len(_ADJ))],
                k1=k1,
                k2=k2,
                topic=topic.name,
                subfield=topic.subfield,
                place=_CITIES[rng.randrange(len(_CITIES))].replace("-", " "),
            )
            abstract = (
                f"We study {k1.lower()} and {k2.lower()} in the context of {topic.name.lower()}. "
                f"Using {_METHODS[rng.randrange(len(_METHODS))]}, we find {_FINDINGS[rng.randrange(len(_FINDINGS))]} "
                f"in {k3.lower()}. These results matter for {topic.subfield.lower()} and {topic.field.lower()}."
            )
            venue = _VENUE_FRAMES[rng.randrange(len(_VENUE_FRAMES))].format(f=topic.field, s=topic.subfield)
            has_doi = rng.random() < 0.9
            has_arxiv = rng.random() < 0.2 and i < ARXIV_MAX_WORKS
            month = 1 + i % 12
            authors = []
            for pos, k in enumerate(team, start=1):
                r = self.researcher(k)
                u = rng.random()
                if u < 0.04:
                    inst: int | None = None
                elif u < 0.12:
                    inst = r.second_institution
                else:
                    inst = r.institution
                v = rng.random()
                if v < 0.07:
                    shown = f"{r.given[0]}. {r.family}"
                elif v < 0.10:
                    shown = f"{r.family}, {r.given}"
                else:
                    shown = r.name
                authors.append({"researcher": r, "position": pos, "name": shown, "institution": inst})
            yield {
                "index": i,
                "work_id": f"W{WORK_ID_BASE + i}",
                "title": title,
                "year": year,
                "month": month,
                "venue": venue,
                "doi": f"10.5555/synth.{self.seed % 100000}.{i}" if has_doi else "",
                "arxiv_id": f"{year % 100:02d}{month:02d}.{i // 12 % 100000:05d}" if has_arxiv else "",
                "abstract": abstract,
                "topic": topic,
                "topic_score": round(0.6 + 0.4 * self._u(6, i), 4),
                "authors": authors,
            }


def _inverted_index(text: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for pos, word in enumerate(text.split()):
        out.setdefault(word, []).append(pos)
    return out


def _openalex_record(corpus: Corpus, w: dict[str, Any]) -> dict[str, Any]:
    """The OpenAlex API shape of a synthetic work (only the fields loaders read)."""
    t: TopicVocab = w["topic"]
    topic = {
        "id": f"https://openalex.org/T{t.id}",
        "display_name": t.name,
        "score": w["topic_score"],
        "subfield": {"id": f"https://openalex.org/subfields/{t.subfield_id}", "display_name": t.subfield},
        "field": {"id": f"https://openalex.org/fields/{t.field_id}", "display_name": t.field},
        "domain": {"id": f"https://openalex.org/domains/{t.domain_id}", "display_name": t.domain},
    }
    n = len(w["authors"])
    authorships = []
    for a in w["authors"]:
        r: Researcher = a["researcher"]
        insts = []
        if a["institution"] is not None:
            iid, iname, country, itype = corpus.institution(a["institution"])
            insts.append(
                {
                    "id": f"https://openalex.org/{iid}",
                    "display_name": iname,
                    "ror": None,
                    "country_code": country,
                    "type": itype,
                }
            )
        authorships.append(
            {
                "author_position": "first"
                if a["position"] == 1
                else ("last" if a["position"] == n else "middle"),
                "author": {
                    "id": f"https://openalex.org/{r.author_id}",
                    "display_name": r.name,
                    "orcid": None,
                },
                "institutions": insts,
                "raw_author_name": a["name"],
                "raw_affiliation_strings": [i["display_name"] for i in insts],
            }
        )
    doi = f"https://doi.org/{w['doi']}" if w["doi"] else None
    ids: dict[str, str] = {"openalex": f"https://openalex.org/{w['work_id']}"}
    if doi:
        ids["doi"] = doi
    return {
        "id": f"https://openalex.org/{w['work_id']}",
        "doi": doi,
        "title": w["title"],
        "display_name": w["title"],
        "publication_year": w["year"],
        "publication_date": f"{w['year']}-{w['month']:02d}-01",
        "ids": ids,
        "type": "preprint" if w["arxiv_id"] and not w["doi"] else "article",
        "primary_location": {"source": {"display_name": w["venue"], "type": "journal"}},
        "authorships": authorships,
        "primary_topic": topic,
        "topics": [topic],
        "abstract_inverted_index": _inverted_index(w["abstract"]),
    }


def _histogram_bucket(n: int) -> str:
    for hi, label in ((1, "1"), (3, "2-3"), (9, "4-9"), (49, "10-49"), (99, "50-99")):
        if n <= hi:
            return label
    return "100+"


def generate(params: SynthParams, out: Path, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write works.csv, authorships.csv (and works.jsonl with openalex) into out, and the manifest as SOURCE.json
    (loaders skip SOURCE.*, so `kg load out` reads only the corpus); return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(params)
    stats = corpus.stats
    files = {"works.csv": out / "works.csv", "authorships.csv": out / "authorships.csv"}
    if params.openalex:
        files["works.jsonl"] = out / "works.jsonl"
    handles: dict[str, TextIO] = {}
    try:
        for name, path in files.items():
            handles[name] = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        works_w = csv.writer(handles["works.csv"], lineterminator="\n")
        auth_w = csv.writer(handles["authorships.csv"], lineterminator="\n")
        works_w.writerow(WORKS_HEADER)
        auth_w.writerow(AUTHORSHIPS_HEADER)
        jsonl = handles.get("works.jsonl")
        hist: dict[str, int] = {}
        for w in corpus.works():
            works_w.writerow(
                [w["work_id"], w["title"], w["year"], w["venue"], w["doi"], w["arxiv_id"], w["abstract"]]
            )
            no_inst = True
            for a in w["authors"]:
                if a["institution"] is None:
                    inst_id = inst_name = ""
                else:
                    inst_id, inst_name, _, _ = corpus.institution(a["institution"])
                    no_inst = False
                auth_w.writerow(
                    [w["work_id"], a["researcher"].author_id, a["name"], a["position"], inst_id, inst_name]
                )
            if jsonl is not None:
                jsonl.write(
                    json.dumps(_openalex_record(corpus, w), ensure_ascii=False, separators=(",", ":"))
                )
                jsonl.write("\n")
            team = len(w["authors"])
            stats.works += 1
            stats.authorships += team
            stats.max_team = max(stats.max_team, team)
            stats.works_with_doi += bool(w["doi"])
            stats.works_with_arxiv += bool(w["arxiv_id"])
            stats.works_without_institution_rows += no_inst
            bucket = _histogram_bucket(team)
            hist[bucket] = hist.get(bucket, 0) + 1
            if progress is not None and (w["index"] + 1) % 1000 == 0:
                progress(1000)
        if progress is not None:
            progress(stats.works % 1000)
        stats.fresh_researchers = corpus.fresh
        stats.team_size_histogram = {
            k: hist[k] for k in ("1", "2-3", "4-9", "10-49", "50-99", "100+") if k in hist
        }
    finally:
        for h in handles.values():
            h.close()
    manifest = {
        "generator": "kg synth",
        "works": params.works,
        "seed": params.seed,
        "openalex": params.openalex,
        "vocabulary": {
            "topics": len(corpus.vocab),
            "source": "openalex_topics.csv" if len(corpus.vocab) > len(_BUILTIN_TOPICS) else "built-in",
        },
        "pool_researchers": corpus.pool,
        "institutions": corpus.institutions,
        "consortia": corpus.consortia,
        # Pool rank 0 is the most productive researcher by construction: benchmarks use these as supernodes.
        "most_productive_author_ids": [corpus.researcher(k).author_id for k in range(5)],
        "stats": asdict(stats),
        "files": {name: _sha256(path) for name, path in files.items()},
    }
    (out / "SOURCE.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
