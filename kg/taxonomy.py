"""The topic taxonomy as Topic nodes: OpenAlex domains, fields, subfields and topics, and arXiv categories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import neo4j
from neo4j import Driver

from kg import defaultdata, graphdb
from kg.config import Settings, get_settings
from kg.graphdb import catalog
from kg.topic_table import read_table

# Taxonomy rows per write transaction (the whole OpenAlex taxonomy is about 5,000 nodes).
TAXONOMY_BATCH = 5000
LEVELS = ("domain", "field", "subfield", "topic")

# arXiv categories: code → (readable name, the OpenAlex node it belongs to). Most computer-science categories sit
# in one OpenAlex subfield; the few that span a whole field (cs.CY, cs.GL, cs.OH) point at the field.
ARXIV_CATEGORIES: dict[str, tuple[str, str]] = {
    "cs.AI": ("Artificial Intelligence", "openalex:subfield:1702"),
    "cs.AR": ("Hardware Architecture", "openalex:subfield:1708"),
    "cs.CC": ("Computational Complexity", "openalex:subfield:1703"),
    "cs.CE": ("Computational Engineering, Finance, and Science", "openalex:subfield:1706"),
    "cs.CG": ("Computational Geometry", "openalex:subfield:1703"),
    "cs.CL": ("Computation and Language", "openalex:subfield:1702"),
    "cs.CR": ("Cryptography and Security", "openalex:subfield:1710"),
    "cs.CV": ("Computer Vision and Pattern Recognition", "openalex:subfield:1707"),
    "cs.CY": ("Computers and Society", "openalex:field:17"),
    "cs.DB": ("Databases", "openalex:subfield:1710"),
    "cs.DC": ("Distributed, Parallel, and Cluster Computing", "openalex:subfield:1705"),
    "cs.DL": ("Digital Libraries", "openalex:subfield:1710"),
    "cs.DM": ("Discrete Mathematics", "openalex:subfield:2607"),
    "cs.DS": ("Data Structures and Algorithms", "openalex:subfield:1703"),
    "cs.ET": ("Emerging Technologies", "openalex:subfield:1708"),
    "cs.FL": ("Formal Languages and Automata Theory", "openalex:subfield:1703"),
    "cs.GL": ("General Literature", "openalex:field:17"),
    "cs.GR": ("Graphics", "openalex:subfield:1704"),
    "cs.GT": ("Computer Science and Game Theory", "openalex:subfield:1703"),
    "cs.HC": ("Human-Computer Interaction", "openalex:subfield:1709"),
    "cs.IR": ("Information Retrieval", "openalex:subfield:1710"),
    "cs.IT": ("Information Theory", "openalex:subfield:1703"),
    "cs.LG": ("Machine Learning", "openalex:subfield:1702"),
    "cs.LO": ("Logic in Computer Science", "openalex:subfield:1703"),
    "cs.MA": ("Multiagent Systems", "openalex:subfield:1702"),
    "cs.MM": ("Multimedia", "openalex:subfield:1706"),
    "cs.MS": ("Mathematical Software", "openalex:subfield:1712"),
    "cs.NA": ("Numerical Analysis", "openalex:subfield:2612"),
    "cs.NE": ("Neural and Evolutionary Computing", "openalex:subfield:1702"),
    "cs.NI": ("Networking and Internet Architecture", "openalex:subfield:1705"),
    "cs.OH": ("Other Computer Science", "openalex:field:17"),
    "cs.OS": ("Operating Systems", "openalex:subfield:1712"),
    "cs.PF": ("Performance", "openalex:subfield:1705"),
    "cs.PL": ("Programming Languages", "openalex:subfield:1712"),
    "cs.RO": ("Robotics", "openalex:subfield:2207"),
    "cs.SC": ("Symbolic Computation", "openalex:subfield:1703"),
    "cs.SD": ("Sound", "openalex:subfield:1711"),
    "cs.SE": ("Software Engineering", "openalex:subfield:1712"),
    "cs.SI": ("Social and Information Networks", "openalex:subfield:1710"),
    "cs.SY": ("Systems and Control", "openalex:subfield:2207"),
    "stat.ML": ("Machine Learning (Statistics)", "openalex:subfield:1702"),
    "stat.ME": ("Statistics Methodology", "openalex:subfield:2613"),
    "stat.TH": ("Statistics Theory", "openalex:subfield:2613"),
    "stat.AP": ("Applied Statistics", "openalex:subfield:2613"),
    "stat.CO": ("Computational Statistics", "openalex:subfield:2613"),
    "math.OC": ("Optimization and Control", "openalex:subfield:2604"),
    "math.NA": ("Numerical Analysis (Mathematics)", "openalex:subfield:2612"),
    "math.PR": ("Probability", "openalex:subfield:2613"),
    "math.ST": ("Statistics Theory (Mathematics)", "openalex:subfield:2613"),
    "eess.AS": ("Audio and Speech Processing", "openalex:subfield:1711"),
    "eess.IV": ("Image and Video Processing", "openalex:subfield:1707"),
    "eess.SP": ("Signal Processing", "openalex:subfield:1711"),
    "eess.SY": ("Systems and Control (EESS)", "openalex:subfield:2207"),
    "quant-ph": ("Quantum Physics", "openalex:subfield:3107"),
    "q-bio.NC": ("Neurons and Cognition", "openalex:subfield:2805"),
    "econ.EM": ("Econometrics", "openalex:subfield:2002"),
    "physics.soc-ph": ("Physics and Society", "openalex:subfield:3109"),
}

# Listings print bare computer-science codes ("LG", "CL"): those are cs.* categories.
_BARE_CS = {code.split(".", 1)[1]: code for code in ARXIV_CATEGORIES if code.startswith("cs.")}


def arxiv_category_code(value: str) -> str | None:
    """'LG', 'cs.lg', 'arxiv:cs.LG' and 'cs.LG' → 'cs.LG'; an unknown code → None."""
    v = value.strip()
    if v.lower().startswith("arxiv:"):
        v = v[6:]
    if v.upper() in _BARE_CS:
        return _BARE_CS[v.upper()]
    for code in ARXIV_CATEGORIES:
        if code.lower() == v.lower():
            return code
    return None


def arxiv_topic_id(value: str) -> str | None:
    """The Topic id of an arXiv category code as a source prints it ('LG' → 'arxiv:cs.LG'), or None."""
    code = arxiv_category_code(value)
    return f"arxiv:{code}" if code else None


@dataclass(frozen=True)
class TopicNode:
    """One Topic node as the taxonomy defines it."""

    id: str
    name: str
    level: str
    scheme: str = "openalex"
    parent: str | None = None
    keywords: tuple[str, ...] = ()
    # The label OpenAlex used before renaming the topic: still a phrase papers use, so the matcher knows it.
    alt_names: tuple[str, ...] = ()
    # OpenAlex's one-paragraph description of the topic (topics only): words for the bag-of-words signal.
    summary: str = ""


@dataclass
class Taxonomy:
    """Every node of the taxonomy by id, in file order (domains, fields, subfields first)."""

    nodes: dict[str, TopicNode] = field(default_factory=dict)

    def by_level(self, level: str) -> list[TopicNode]:
        return [n for n in self.nodes.values() if n.level == level]

    def counts(self) -> dict[str, int]:
        out = {lvl: 0 for lvl in (*LEVELS, "category")}
        for n in self.nodes.values():
            out[n.level] += 1
        return out

    def ancestors(self, node_id: str) -> list[str]:
        """Parent, grandparent, … of a node (nearest first)."""
        out: list[str] = []
        cur = self.nodes.get(node_id)
        while cur is not None and cur.parent is not None:
            out.append(cur.parent)
            cur = self.nodes.get(cur.parent)
        return out

    def ancestor_at(self, node_id: str, level: str) -> str | None:
        if node_id in self.nodes and self.nodes[node_id].level == level:
            return node_id
        return next((a for a in self.ancestors(node_id) if self.nodes[a].level == level), None)


def default_path(settings: Settings | None = None) -> Path:
    """KG_TAXONOMY_PATH, else the table under KG_DATA_DIR (topics/openalex_topics.csv), else the package's copy."""
    s = settings or get_settings()
    return s.taxonomy_path or defaultdata.taxonomy_in(s.data_dir) or defaultdata.TAXONOMY


def read_taxonomy(path: Path, *, with_arxiv: bool = True) -> Taxonomy:
    """Parse the OpenAlex topic table (and add the arXiv categories); no database needed."""
    tax = Taxonomy()
    domains: dict[str, TopicNode] = {}
    fields: dict[str, TopicNode] = {}
    subfields: dict[str, TopicNode] = {}
    topics: dict[str, TopicNode] = {}
    for row in read_table(path):
        d_id, f_id, s_id, t_id = (row.node_id(level) for level in LEVELS)
        domains.setdefault(d_id, TopicNode(d_id, row.domain_name, "domain"))
        fields.setdefault(f_id, TopicNode(f_id, row.field_name, "field", parent=d_id))
        subfields.setdefault(s_id, TopicNode(s_id, row.subfield_name, "subfield", parent=f_id))
        topics[t_id] = TopicNode(
            t_id,
            row.name,
            "topic",
            parent=s_id,
            keywords=row.keywords,
            alt_names=(row.old_name,) if row.old_name and row.old_name != row.name else (),
            summary=row.summary,
        )
    for group in (domains, fields, subfields, topics):
        tax.nodes.update(group)
    if with_arxiv:
        for code, (name, parent) in ARXIV_CATEGORIES.items():
            tax.nodes[f"arxiv:{code}"] = TopicNode(
                f"arxiv:{code}",
                name,
                "category",
                scheme="arxiv",
                parent=parent if parent in tax.nodes else None,
            )
    return tax


def _node_rows(nodes: Sequence[TopicNode]) -> list[dict[str, Any]]:
    """Rows for write/topic_merge: the taxonomy is authoritative for every field it has."""
    return [
        {
            "id": n.id,
            "props": {
                "name": n.name,
                "scheme": n.scheme,
                "level": n.level,
                "keywords": list(n.keywords),
                "sources": [n.scheme],
                "authoritative": True,
            },
        }
        for n in nodes
    ]


def load_taxonomy(
    driver: Driver,
    path: Path | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    load_run: str | None = None,
    settings: Settings | None = None,
) -> dict[str, int]:
    """MERGE every taxonomy node (write/topic_merge, the one statement that writes Topic nodes, the load's too) and
    its PART_OF edge to its parent (idempotent; a parent that changed in the file replaces the old edge). The
    taxonomy is read from `path` (default: default_path) unless given already read. Returns the node counts per
    level, arXiv categories under "category"."""
    s = settings or get_settings()
    tax = taxonomy or read_taxonomy(path or default_path(s))
    nodes = list(tax.nodes.values())
    batch = TAXONOMY_BATCH
    for lvl in (*LEVELS, "category"):
        # Parents first, so each PART_OF finds its parent node in the same load.
        level = [n for n in nodes if n.level == lvl]
        for i in range(0, len(level), batch):
            part = level[i : i + batch]
            write = partial(_write_batch, rows=_node_rows(part), edges=taxonomy_rows(part), run=load_run)
            graphdb.transaction(driver, write, write=True, settings=s)
    return tax.counts()


def _write_batch(tx: neo4j.ManagedTransaction, *, rows: Any, edges: Any, run: str | None) -> None:
    """A batch's nodes and their PART_OF edges in one transaction: a load killed between batches leaves whole
    batches, and ensure_topic_nodes can tell a whole taxonomy from part of one."""
    tx.run(catalog.query("write/topic_merge"), {"rows": rows, "run": run}).consume()
    tx.run(catalog.query("topics/part_of"), {"rows": edges}).consume()


def taxonomy_rows(nodes: Iterable[TopicNode]) -> list[dict[str, str | None]]:
    """Taxonomy nodes as {id, parent}: their PART_OF edges, and what the graph holds once they are loaded."""
    return [{"id": n.id, "parent": n.parent} for n in nodes]
