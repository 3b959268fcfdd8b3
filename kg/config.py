"""Settings from the environment (KG_*), behind one cached get_settings()."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
# ../shared/data next to the repository root, where the sample data lives.
DEFAULT_SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# A settings file is read only when the user names it (`kg --env-file F` sets this): a .env lying in the working
# directory must never redirect `kg` to another server, which would then receive the password.
ENV_FILE_VARIABLE = "KG_ENV_FILE"
URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
_URI_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)\S*@")


def named_env_file() -> Path | None:
    """The settings file the user named in KG_ENV_FILE, or None; ConfigError when it names nothing readable."""
    named = os.environ.get(ENV_FILE_VARIABLE, "").strip()
    if not named:
        return None
    path = Path(named)
    if not path.is_file():
        raise ConfigError(f"{ENV_FILE_VARIABLE} names {named}, which is not a readable file")
    return path


def redact_uri(uri: str) -> str:
    """The URI with any user:password@ part replaced by ***@."""
    return _URI_USERINFO.sub(r"\g<scheme>***@", uri)


def redact(text: str, *secrets: str) -> str:
    """Text safe to print: credentials inside URIs and every given secret replaced by ***."""
    out = redact_uri(text)
    for secret in secrets:
        if secret:
            out = out.replace(secret, "***")
    return out


class NamedEnvFileSettings(BaseSettings):
    """Settings from the environment, plus the file named in KG_ENV_FILE when there is one (never a stray .env)."""

    def __init__(self, **values: Any) -> None:
        values.setdefault("_env_file", named_env_file())
        super().__init__(**values)


class Settings(NamedEnvFileSettings):
    model_config = SettingsConfigDict(env_prefix="KG_", env_file=None, extra="ignore")

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
    # The heap of `neo4j-admin database import` on the bulk path (its own JVM, while the server is stopped); the
    # tool's caches are off-heap, and it suggested about 1 GiB of heap for the 1M-work graph (BENCHMARKS.md).
    import_heap: str = "1g"
    start_timeout: float = 120.0
    # Class data sharing for those two JVMs (kg.cds): they start from an archive of the classes an earlier run
    # loaded, written once beside the jars. Off: every start loads its classes again.
    jvm_class_sharing: bool = True

    # "Close collaborators", defined once for the API, the analyst queries and discovery: co-authors with at least
    # close_min_shared_works shared works, the top close_top_k by COAUTHOR weight (ties by id).
    close_min_shared_works: int = 2
    close_top_k: int = 10
    # Works with more authors than this create no COAUTHOR clique (counted on each author as big_team_works).
    coauthor_author_cap: int = 50

    # The larger shared corpus (tests, benchmarks, evaluations); `kg up` with no directory loads the data shipped
    # in the package instead (kg/data).
    data_dir: Path = DEFAULT_SHARED_DATA
    # The OpenAlex topic table; unset: <data_dir>/topics/openalex_topics.csv where it exists, else the copy
    # shipped in the package (kg/data/topics/openalex_topics.csv.gz).
    taxonomy_path: Path | None = None
    # Rows per write transaction of the load's write stage (`kg load --batch-size`), and nothing else.
    batch_size: int = 5000
    # Nodes one transaction of a derive job covers: researchers per COAUTHOR transaction (`kg coauthors rebuild
    # --batch-size`), works per topic-assignment transaction, researchers per topic-profile transaction.
    derive_batch_size: int = 5000
    # The stage store (DuckDB file): by default one per Neo4j database, under .kg/stage/.
    stage_path: Path | None = None
    # Memory DuckDB may use for the stage store's work (staging, resolve, COAUTHOR), e.g. "4GB"; past it, it spills
    # to <stage>.tmp/ (its cache of the store's pages shrinks, big joins and sorts go to disk). Empty: DuckDB's own
    # default, 80 % of RAM, which a 1M-work load filled (15.6 GB peak; BENCHMARKS.md, "#15 memory").
    stage_memory_limit: str | None = "512MB"
    # Processes that parse CSV bundles and build their stage rows while this one commits them (kg.stage.parallel);
    # None: one per core; 1: everything in this process. Inputs under 15,000 works are staged here whatever it is.
    stage_workers: int | None = Field(default=None, ge=1)
    # CSV bundle directories staged by SQL over DuckDB's own CSV reader (kg.stage.csv_sql: the same rows, what it
    # cannot prove it makes exactly left to the record path; about half the CPU, issue #15). False: record by record.
    stage_sql: bool = True
    # Sessions writing to Neo4j at once (nodes by id, relationships by (start, end) partitions). None: one per two
    # cores of this machine, at most 4 (on 2 cores shared with Neo4j one session writes the DBLP corpus faster
    # than two: BENCHMARKS.md, "The load pipeline").
    write_sessions: int | None = Field(default=None, ge=1)

    @property
    def stage_worker_count(self) -> int:
        """KG_STAGE_WORKERS, or the default for this machine."""
        return self.stage_workers or os.cpu_count() or 1

    @property
    def writer_sessions(self) -> int:
        """KG_WRITE_SESSIONS, or the default for this machine."""
        return self.write_sessions or max(1, min(4, (os.cpu_count() or 1) // 2))

    # Apache Spark, for `--engine spark` (kg load's resolve stage, kg discover): the master URL (local[*], local[2],
    # spark://host:7077, yarn, k8s://…), the driver's memory, and extra Spark settings as "key=value,key=value".
    spark_master: str = "local[*]"
    spark_driver_memory: str = "4g"
    spark_conf: str = ""
    # The resolve stage's engine (`kg load --engine`): embedded (DuckDB in this process) or spark (spark_master).
    resolve_engine: Literal["embedded", "spark"] = "embedded"

    # Live sources (kg harvest, kg enrich): base URLs, so they can point anywhere (a mirror, a replay server).
    openalex_api: str = "https://api.openalex.org"
    arxiv_api: str = "https://export.arxiv.org/api/query"
    crossref_api: str = "https://api.crossref.org"
    orcid_api: str = "https://pub.orcid.org/v3.0"
    s2_api: str = "https://api.semanticscholar.org/graph/v1"
    # Polite use: a contact address OpenAlex and Crossref ask for (their "polite pool"), API keys as secrets.
    mailto: str | None = None
    s2_api_key: SecretStr | None = None
    openalex_api_key: SecretStr | None = None
    # Seconds between two requests to one source: arXiv asks for 3 s; Semantic Scholar allows 1 request a second
    # with a key; OpenAlex, Crossref and ORCID take several a second.
    arxiv_delay: float = 3.0
    s2_delay: float = 1.0
    openalex_delay: float = 0.1
    crossref_delay: float = 0.1
    orcid_delay: float = 0.1
    harvest_retries: int = 5  # tries after the first, on 429, 5xx, a dropped connection or a truncated body
    harvest_max_wait: float = 300.0  # the longest Retry-After honoured; a source asking for more is an error
    harvest_timeout: float = 60.0
    harvest_dir: Path = Field(default=REPO_ROOT / ".kg" / "harvest")

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    cors_origins: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _credentials_out_of_uri(self) -> Settings:
        """A URI like neo4j+s://user:secret@host: the user and password move into their own settings, so the URI
        that is shown, logged or handed to the driver never carries them."""
        if not self.neo4j_uri:
            return self
        uri = self.neo4j_uri.strip()
        scheme, sep, rest = uri.partition("://")
        if not sep or scheme.lower() not in URI_SCHEMES:
            raise ConfigError(
                f"KG_NEO4J_URI {redact_uri(uri)!r} is not a Neo4j URI (it starts with one of "
                f"{', '.join(s + '://' for s in URI_SCHEMES)})"
            )
        authority, query_sep, query = rest.partition("?")
        if "@" not in authority:
            self.neo4j_uri = uri
            return self
        # the last @ ends the user information: a password may hold '@' or '/' unescaped
        userinfo, _, host = authority.rpartition("@")
        user, has_password, password = userinfo.partition(":")
        given = self.model_fields_set
        if user:
            if "neo4j_user" in given and self.neo4j_user != unquote(user):
                raise ConfigError("KG_NEO4J_URI names a user and KG_NEO4J_USER names another: keep one")
            self.neo4j_user = unquote(user)
        if has_password:
            if "neo4j_password" in given and self.neo4j_password.get_secret_value() != unquote(password):
                raise ConfigError(
                    "KG_NEO4J_URI carries a password and KG_NEO4J_PASSWORD holds another: keep one"
                )
            self.neo4j_password = SecretStr(unquote(password))
        self.neo4j_uri = f"{scheme}://{host}{query_sep}{query}"
        return self

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
    """The process's settings; a malformed value is a ConfigError naming the variable (never its value)."""
    try:
        return Settings()
    except ValidationError as e:
        first = e.errors()[0]
        name = "KG_" + "_".join(str(x) for x in first.get("loc", ())).upper()
        raise ConfigError(f"{name}: {first.get('msg', 'invalid value')}") from None
