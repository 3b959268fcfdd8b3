"""Harvesting live scholarly APIs (OpenAlex, arXiv, Crossref, ORCID, Semantic Scholar) into recorded responses that
the loaders read, and enriching works known only by title from them."""

from kg.sources.harvest.sources import SOURCES

__all__ = ["SOURCES"]
