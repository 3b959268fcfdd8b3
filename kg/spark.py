"""The one way to get a Spark session: master, memory and extra settings from KG_SPARK_* (kg.config)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from kg.config import Settings
from kg.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def _extra_conf(text: str) -> dict[str, str]:
    """KG_SPARK_CONF "a=1,b=2" as a dict; ConfigError naming the part that is not key=value."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"KG_SPARK_CONF: {part!r} is not key=value")
        out[key.strip()] = value.strip()
    return out


def spark_session(settings: Settings, app: str = "research-kg") -> SparkSession:
    """A session on settings.spark_master (local[*] unless set), with quiet logs and no web UI.

    ConfigError (one line for the user) when pyspark is not installed or the settings are malformed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "the Spark engine needs pyspark: pip install 'research-kg[spark]' (or use the embedded engine)"
        ) from exc
    extra = _extra_conf(settings.spark_conf)
    # the workers run this interpreter (the same packages: kg, numpy, lightgbm) unless the user says otherwise
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.appName(app)
        .master(settings.spark_master)
        .config("spark.driver.memory", settings.spark_driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # small local runs: a few partitions, not the 200 a cluster default assumes
        .config("spark.sql.shuffle.partitions", extra.pop("spark.sql.shuffle.partitions", "8"))
    )
    for key, value in extra.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
