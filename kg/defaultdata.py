"""Where the data shipped inside the package lives: the OpenAlex topic taxonomy and a small real sample (CC0)."""

from __future__ import annotations

from pathlib import Path

# Laid out like any data directory `kg up DIR` reads: the taxonomy under topics/, the records beside it.
DATA_DIR = Path(__file__).resolve().parent / "data"
TAXONOMY_NAME = "topics/openalex_topics.csv.gz"
TAXONOMY = DATA_DIR / TAXONOMY_NAME
# What a data directory may hold as its taxonomy, first found wins.
TAXONOMY_NAMES = ("topics/openalex_topics.csv", TAXONOMY_NAME)


def taxonomy_in(directory: Path) -> Path | None:
    """The topic taxonomy a data directory carries (topics/openalex_topics.csv, or gzipped), else None."""
    for name in TAXONOMY_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None
