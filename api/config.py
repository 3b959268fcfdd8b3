"""The API's own settings (KG_API_*), next to the shared Settings of kg.config (URI, timeout, CORS, close-collaborator definition)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from kg.config import REPO_ROOT, NamedEnvFileSettings


class ApiSettings(NamedEnvFileSettings):
    model_config = SettingsConfigDict(env_prefix="KG_API_", env_file=None, extra="ignore")

    # A small pool: each worker process has its own driver, and a slice needs one connection for a few ms.
    pool_size: int = 10
    # How long the driver retries a read on a dead or restarting Neo4j before the API answers 503; short, so a
    # page hears "try again" quickly instead of hanging.
    transaction_retry_time: float = 1.0
    # Seconds a client is told to wait (Retry-After) after a 503.
    retry_after: int = 5
    # Relationships a slice reads from one node per neighbour type: past this a hub is sampled, not expanded.
    hub_scan: int = 500
    # The same for the second ring, where each ring node only adds a few (per_node) neighbours.
    hub_scan_ring2: int = 100
    # Plan every API query in the background at start-up, so the first page does not pay for query planning.
    warm_up: bool = True
    # The web panel's build; served at / when the directory exists.
    web_dist: Path = REPO_ROOT / "web" / "dist"
