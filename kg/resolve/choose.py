"""Choose the resolve engine by name: the embedded one (default) or Spark (imported only when chosen)."""

from __future__ import annotations

from kg.config import Settings
from kg.errors import ConfigError
from kg.resolve.engine import EmbeddedEngine, Engine


def get_engine(settings: Settings, name: str | None = None) -> Engine:
    """The engine `name` names, else settings.resolve_engine (KG_RESOLVE_ENGINE; embedded unless set)."""
    chosen = name or settings.resolve_engine
    if chosen == "embedded":
        return EmbeddedEngine()
    if chosen == "spark":
        from kg.resolve.spark import SparkEngine  # pyspark itself only once the engine runs

        return SparkEngine(settings)
    raise ConfigError(f"unknown resolve engine {chosen!r} (known: embedded, spark)")
