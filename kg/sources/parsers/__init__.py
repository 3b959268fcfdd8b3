"""Parsers for every source, one module per format; `read` detects a file's format and streams its records."""

from kg.sources.parsers.read import FORMATS, detect_format, iter_records, repair_note

__all__ = ["FORMATS", "detect_format", "iter_records", "repair_note"]
