"""Small CSV-bundle corpora written by tests: hand-made or generated from a seed."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

WORK_COLUMNS = ["work_id", "title", "year", "venue", "doi", "arxiv_id", "abstract"]
AUTHORSHIP_COLUMNS = ["work_id", "author_id", "author_name", "position", "institution_id", "institution_name"]

_GIVEN = [
    "Ada",
    "Alan",
    "Grace",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Tony",
    "Radia",
    "Leslie",
    "Shafi",
    "Yoshua",
]
_FAMILY = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Hoare",
    "Perlman",
    "Lamport",
]
_WORDS = ["graph", "neural", "quantum", "causal", "sparse", "protein", "climate", "robust", "network", "learning",
          "inference", "topology", "markets", "language", "vision", "memory", "scheduling", "proofs"]  # fmt: skip


@dataclass
class Bundle:
    works: list[dict[str, str]] = field(default_factory=list)
    authorships: list[dict[str, str]] = field(default_factory=list)

    def write(self, directory: Path, order: list[int] | None = None) -> Path:
        """Write works.csv and authorships.csv; `order` permutes the works (and their authorships follow)."""
        directory.mkdir(parents=True, exist_ok=True)
        idx = order if order is not None else list(range(len(self.works)))
        works = [self.works[i] for i in idx]
        rank = {w["work_id"]: n for n, w in enumerate(works)}
        auths = sorted(self.authorships, key=lambda a: (rank[a["work_id"]], int(a["position"])))
        for name, cols, rows in (
            ("works.csv", WORK_COLUMNS, works),
            ("authorships.csv", AUTHORSHIP_COLUMNS, auths),
        ):
            with (directory / name).open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=cols)
                writer.writeheader()
                writer.writerows(rows)
        return directory


def generate(seed: int, n_works: int, n_people: int = 30, id_prefix: str = "g") -> Bundle:
    """A small corpus: people with stable author ids, teams of 1–6, titles from a small vocabulary."""
    rng = random.Random(seed)
    people = [(f"{id_prefix}a{i}", f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}") for i in range(n_people)]
    b = Bundle()
    for i in range(n_works):
        wid = f"{id_prefix}w{i}"
        words = rng.sample(_WORDS, 4)
        b.works.append(
            {
                "work_id": wid,
                "title": f"{words[0].title()} {words[1]} for {words[2]} {words[3]} ({id_prefix}{i})",
                "year": str(rng.randint(2000, 2024)),
                "venue": rng.choice(["Journal of Graphs", "Proc. Learning", "Letters"]),
                "doi": f"10.5555/{id_prefix}.{i}" if rng.random() < 0.5 else "",
                "arxiv_id": "",
                "abstract": " ".join(rng.choice(_WORDS) for _ in range(20)),
            }
        )
        for pos, (aid, name) in enumerate(rng.sample(people, rng.randint(1, 6)), start=1):
            b.authorships.append(
                {
                    "work_id": wid,
                    "author_id": aid,
                    "author_name": name,
                    "position": str(pos),
                    "institution_id": "",
                    "institution_name": "",
                }
            )
    return b
