"""Settings from the environment (KG_*), behind one cached get_settings()."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# ../shared/data next to the repository root, where the sample data lives.
DEFAULT_SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KG_", env_file=".env", extra="ignore")

    # Any Neo4j 5 by URI (bolt://, neo4j://, neo4j+s://). Unset: the local Neo4j, started when needed.
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("researchkg-local")
    neo4j_database: str = "neo4j"
    # Seconds a single query may run before the server cancels it (API reads use it).
    query_timeout: float = 10.0
    connection_timeout: float = 5.0
    max_pool_size: int = 20

    # The local Neo4j run from Maven Central jars.
    localdb_home: Path = Field(default=REPO_ROOT / ".kg" / "neo4j")
    localdb_jars: Path = Field(default=REPO_ROOT / "localdb" / "target")
    bolt_port: int = 7687
    http_port: int = 7474
    # Sized for a 2-core, 24 GB machine: the JVM heap and the page cache each take a slice, the OS keeps the rest.
    heap_initial: str = "1g"
    heap_max: str = "4g"
    pagecache: str = "4g"
    tx_memory_max: str = "2g"
    start_timeout: float = 120.0

    # "Close collaborators", defined once for the API, the analyst queries and discovery: co-authors with at least
    # close_min_shared_works shared works, the top close_top_k by COAUTHOR weight (ties by id).
    close_min_shared_works: int = 2
    close_top_k: int = 10
    # Works with more authors than this create no COAUTHOR clique (counted on each author as big_team_works).
    coauthor_author_cap: int = 50

    data_dir: Path = DEFAULT_SHARED_DATA
    # Rows per write transaction of the load's write stage (`kg load --batch-size`).
    batch_size: int = 5000
    # The stage store (DuckDB file): by default one per Neo4j database, under .kg/stage/.
    stage_path: Path | None = None
    # Sessions writing to Neo4j at once (nodes by id, relationships by (start, end) partitions).
    write_sessions: int = 2
    # Identity: a name block holding more researchers than this is resolved against candidates found for the
    # incoming slots (full-text over identity_keys, strong ids, previous holders) instead of re-clustered whole;
    # -1 re-clusters every block whole (exactly a function of the set of mentions, but it reads whole blocks
    # each batch, so loads slow down as the graph grows).
    identity_block_limit: int = 0

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def uses_local_db(self) -> bool:
        return not self.neo4j_uri

    @property
    def uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def stage_file(self) -> Path:
        """The stage store of this Neo4j database: KG_STAGE_PATH, else .kg/stage/<host>-<port>-<database>.duckdb."""
        if self.stage_path:
            return self.stage_path
        env = os.environ.get("KG_STAGE_PATH")
        if env:
            return Path(env)
        where = re.sub(r"[^A-Za-z0-9.]+", "-", self.uri.split("://", 1)[-1].split("@")[-1]).strip("-")
        return REPO_ROOT / ".kg" / "stage" / f"{where}-{self.neo4j_database}.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
