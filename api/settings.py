"""Settings from the environment (and a `.env` file), in one object.

Secrets have no usable default: outside debug mode the server refuses to start without
`SECRET_KEY`, except in demo mode (`omnishop serve --demo`), which generates a random
key once per installation and keeps it in `.omnishop/secret_key` beside the database.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./omnishop.db"
MIN_SECRET_LENGTH = 32
REQUEST_ERROR_STATUSES = (400, 422)


# What browser clients send besides the body: the token, Apollo's client identification and CSRF
# header, and the tracing headers of Sentry, W3C Trace Context and request ids.
CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "sentry-trace",
    "baggage",
    "traceparent",
    "tracestate",
    "x-request-id",
)
# What a client reads: when to retry after 429, whether the response cache answered, the token error, and
# the request's id in the server's logs (when they name requests: api/observe.py).
CORS_EXPOSE_HEADERS = ("Retry-After", "X-Cache", "WWW-Authenticate", "X-Request-ID")


def _comma_list(value: object) -> object:
    """A list setting from the environment: a JSON array, or items separated by commas."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]


class ConfigurationError(RuntimeError):
    """The settings cannot run a server (e.g. no SECRET_KEY in production)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: a SQLite file by default; "
        "`postgresql+asyncpg://user@host:5432/db` for PostgreSQL; add `?pgbouncer=true` behind PgBouncer in "
        "transaction mode.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis for rate limits, persisted queries, the response "
        "cache and subscription events shared by every worker and server; in-process when "
        "unset.",
    )
    redis_prefix: str = Field("omnishop:", description="Prefix of every Redis key this server writes.")
    events_interval: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Seconds between the outbox relay's scans for "
        "events to publish to subscriptions (a worker's own commits publish at once).",
    )
    secret_key: SecretStr | None = Field(
        None, description="Signs tokens; at least 32 characters. Required unless `serve --demo` or DEBUG=true."
    )
    debug: bool = Field(False, description="Unmasked errors; a generated secret key is allowed.")
    log_level: str = Field("INFO", description="Log level of the server and uvicorn (DEBUG, INFO, WARNING, ERROR).")
    # CORS: each list a JSON array or comma-separated (`CORS_ORIGINS=https://a.example,https://b.example`).
    cors_origins: CommaList = Field(default_factory=list, description="Browser origins allowed to call the API.")
    cors_allow_headers: CommaList = Field(
        default_factory=lambda: list(CORS_ALLOW_HEADERS),
        description="Request headers a browser may send (tracing and Apollo's client headers too).",
    )
    cors_expose_headers: CommaList = Field(
        default_factory=lambda: list(CORS_EXPOSE_HEADERS), description="Response headers a browser's script may read."
    )
    phone_region: str = Field("CN", description="Region assumed for phone numbers without a country code.")
    points_validity_months: int = Field(24, ge=1, le=120, description="How long earned points stay valid.")
    settlement_return_window_days: int = Field(
        7, ge=0, le=365, description="Days after an order completes before its settlement entries become settleable."
    )
    order_expiry_interval: float = Field(
        60, ge=0, description="Seconds between runs of the unpaid-order expiry in each worker; 0 turns it off."
    )
    business_timezone: str = Field(
        "Asia/Shanghai",
        description="IANA time zone of the business day: a report's dates are calendar dates there.",
    )
    reports_interval: float = Field(
        1.0,
        ge=0,
        le=60,
        description="Seconds between the report feed's passes over new order events in each worker; 0 "
        "turns it off (run `omnishop reports-rebuild` instead).",
    )
    access_token_minutes: int = Field(15, ge=1, le=24 * 60, description="Access token lifetime in minutes.")
    refresh_token_days: int = Field(30, ge=1, le=365, description="Refresh token lifetime in days.")
    password_time_cost: int = Field(3, ge=1, description="argon2 iterations.")
    password_memory_kib: int = Field(65536, ge=8, description="argon2 memory in KiB.")
    db_pool_size: int = Field(
        20, ge=1, description="PostgreSQL connections per worker, opened as they are needed and then kept."
    )
    gc_young_threshold: int = Field(
        10_000,
        ge=700,
        description="Objects a server worker allocates (less those freed) before the garbage collector's "
        "youngest pass (Python's default: 700); fewer passes promote less of a request's short-lived data "
        "to the older generations, whose passes walk it again (docs/performance.md, per-request cost).",
    )
    database_replica_url: str | None = Field(
        None,
        description="A streaming replica of DATABASE_URL's PostgreSQL: queries read from it, mutations and "
        "background jobs use the primary (docs/deployment.md); unset, everything uses the primary.",
    )
    database_replica_sticky_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description="Seconds after a member (or staff user, or app) wrote during which their reads go to the "
        "primary too, in the worker that served the write.",
    )
    database_replica_max_lag_seconds: float | None = Field(
        None,
        gt=0,
        description="Replication lag (sampled at most once a second) beyond which reads go to the primary; "
        "unset, a lagging replica keeps serving reads.",
    )
    data_dir: Path = Field(Path(".omnishop"), description="Where demo mode keeps its generated key.")
    # Query limits, checked on the parsed document before anything runs (QUERY_TOO_COMPLEX).
    max_query_depth: int = Field(12, ge=1, le=100, description="Deepest nesting of selection sets.")
    max_query_aliases: int = Field(30, ge=0, description="Most aliased fields in one document.")
    max_query_tokens: int = Field(3000, ge=10, description="Most lexical tokens (comments count) in one document.")
    max_query_cost: int = Field(5000, ge=1, description="Highest estimated cost (schema/cost.py) of one operation.")
    # The HTTP transport.
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body; larger answers 413.")
    batching: bool = Field(False, description="Accept a JSON array of operations in one POST.")
    batch_max_operations: int = Field(10, ge=1, le=100, description="Most operations in one batch.")
    request_error_status: int = Field(
        400,
        description="HTTP status of a request error (parse, validation, "
        "variables, limits: no `data`) answered as application/graphql-response+json: "
        "400, or 422 as an earlier GraphQL-over-HTTP draft had it.",
    )
    # Rate limits (api/rate_limits.py): leaky buckets of query-cost points per caller.
    rate_limit: bool = Field(
        True,
        description="Charge each operation's estimated cost to the caller's bucket "
        "(the token's principal, else the client IP); an empty bucket answers 429 THROTTLED.",
    )
    rate_limit_bucket: int = Field(100_000, ge=1, description="Points a caller's bucket holds: the largest burst.")
    rate_limit_restore_rate: float = Field(10_000, gt=0, description="Points restored to a bucket per second.")
    login_max_failures: int = Field(
        10,
        ge=0,
        description="Failed sign-ins per identifier (e-mail or phone) "
        "within LOGIN_FAILURE_WINDOW before further attempts get THROTTLED; 0 is off.",
    )
    login_max_failures_per_ip: int = Field(
        50,
        ge=0,
        description="Failed sign-ins per client IP within LOGIN_FAILURE_WINDOW, whatever the identifier; 0 is off.",
    )
    login_failure_window: float = Field(
        900, gt=0, description="Seconds over which failed sign-ins are counted (they leak out evenly over it)."
    )
    registrations_per_ip: int = Field(
        30,
        ge=0,
        description="`memberRegister` attempts per client IP within "
        "REGISTRATION_WINDOW before further ones get THROTTLED (staff at a till are "
        "not counted); 0 is off.",
    )
    registration_window: float = Field(3600, gt=0, description="Seconds over which registrations are counted.")
    # Automatic persisted queries (api/persisted_queries.py, Apollo's APQ protocol).
    persisted_queries: bool = Field(
        True, description="Accept `extensions.persistedQuery` (a query's SHA-256 instead of its text)."
    )
    persisted_query_cache_bytes: int = Field(
        16 * 1024 * 1024,
        ge=65536,
        description="Bytes of queries kept in process (least recently used go first) when REDIS_URL is unset.",
    )
    persisted_query_ttl: int = Field(
        7 * 24 * 3600, ge=60, description="Seconds a persisted query stays in Redis after it was last stored."
    )
    # The response cache (api/response_cache.py): repeated anonymous queries answered from memory.
    response_cache: bool = Field(
        True,
        description="Cache the answers to anonymous queries (shared by the workers of one `serve`; "
        "set REDIS_URL to share it between servers).",
    )
    response_cache_ttl: float = Field(5.0, gt=0, le=300, description="Seconds an answer is kept.")
    response_cache_stale_stock: bool = Field(
        False,
        description="Let stock changes leave cached answers in place, "
        "so stock figures may lag by up to RESPONSE_CACHE_TTL (for flash "
        "sales at scale); prices and publication never lag.",
    )
    response_cache_bytes: int = Field(
        64 * 1024 * 1024, ge=65536, description="Bytes of answers kept in process (least recently used go first)."
    )
    response_cache_version_file: Path | None = Field(
        None,
        description="A file through which processes on one host share the cache's version without Redis, so a "
        "write in one invalidates the answers cached by all (`serve --workers N` sets it itself).",
    )
    webhook_allow_private_networks: bool = Field(
        False,
        description="Let webhooks target loopback, link-local and private addresses, and plain http: for "
        "development and tests, never production (a webhook could otherwise reach inside your network).",
    )
    webhook_delivery_retention_days: int = Field(
        30,
        ge=0,
        description="Days finished webhook deliveries (succeeded or failed) and their attempts are kept; each "
        "worker purges older ones hourly (`omnishop webhooks-purge` does it once); 0 keeps them for ever.",
    )
    payments_sandbox: bool = Field(
        False,
        description="Accept SANDBOX payments (the test gateway approves "
        "everything) outside demo and debug mode: for staging and tests, never "
        "production.",
    )
    # Product media (api/media_route.py, docs/media.md).
    media_root: Path = Field(Path("media"), description="Directory where uploaded product images are kept.")
    media_url: str = Field(
        "/media",
        description="Where clients fetch stored images: the app serves them at `/media`; a CDN address in "
        "front of it (`https://cdn.example.com/media`) goes here.",
    )
    media_storage: Literal["local", "s3"] = Field(
        "local",
        description="Where uploaded images are kept: `local` (MEDIA_ROOT) or `s3`, an S3-compatible bucket "
        "(AWS S3, MinIO, Ceph, OSS or COS in S3 mode; the MEDIA_S3_* settings).",
    )
    media_s3_endpoint: str | None = Field(
        None, description="The S3 service's address, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://minio:9000`."
    )
    media_s3_bucket: str | None = Field(None, description="The bucket images are kept in (it may stay private).")
    media_s3_region: str = Field("us-east-1", description="The region requests are signed for.")
    media_s3_access_key: str | None = Field(
        None, description="Access key id of a user who may read and write the bucket."
    )
    media_s3_secret_key: SecretStr | None = Field(None, description="That user's secret access key.")
    media_max_bytes: int = Field(
        10_485_760, ge=1024, description="Largest uploaded image file; a larger request answers 413."
    )
    media_max_side: int = Field(
        8000, ge=16, le=65_535, description="Most pixels of an uploaded image's width or height."
    )
    media_max_pixels: int = Field(
        25_000_000,
        ge=256,
        le=178_000_000,
        description="Most pixels (width x height) of an uploaded image: decoding one to check it takes about 4 "
        "bytes a pixel (25 million: 100 MB, a 6000 x 4000 camera photo fits).",
    )
    # Production switches.
    graphiql: bool = Field(True, description="Serve GraphiQL to browsers at GET /graphql.")
    graphiql_assets_url: str | None = Field(
        None,
        description="Base URL of a mirror of the npm registry's files "
        "(`<base>/<package>@<version>/<path>`, e.g. https://unpkg.com) to load "
        "GraphiQL's scripts and styles from; unset, this server serves its "
        "own copies. The files must be byte-identical (checked by SRI).",
    )
    introspection: bool = Field(True, description="Answer introspection (`__schema`, `__type`) queries.")
    dashboard: bool = Field(
        True,
        description="Serve the sales dashboard at GET /dashboard (a static page; the figures come from "
        "`salesReport` with the staff token entered in it).",
    )
    # Observability (api/metrics.py, api/observe.py, api/logs.py; traces take the standard OTEL_* variables).
    metrics: bool = Field(
        False, description="Serve Prometheus metrics at `/metrics` (every worker of `serve --workers N` counted)."
    )
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Serve the metrics on this port of `serve`'s host instead of at `/metrics` of the API's port.",
    )
    metrics_token: SecretStr | None = Field(
        None, description="A bearer token a scraper must send (`Authorization: Bearer ...`) to read the metrics."
    )
    metrics_operation_names: int = Field(
        200,
        ge=0,
        le=10_000,
        description="How many operation names the metrics count apart (the first seen in valid documents, "
        "persisted ones too); later names, and those of invalid documents, count as `other`.",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="`json`: one JSON object per line with the request id, operation, principal kind and "
        "trace id (for a log collector); `text`: plain lines.",
    )
    log_requests: bool = Field(
        False, description="Log one line per HTTP request (method, path, status, duration) at INFO."
    )
    # `omnishop serve` (uvicorn).
    serve_keepalive_timeout: int = Field(
        75,
        gt=0,
        le=3600,
        description="Seconds an idle HTTP connection is kept open; behind a load balancer, set it longer than "
        "the balancer's idle timeout (60 s on common ones), so the server never closes a connection the "
        "balancer is about to reuse.",
    )
    serve_graceful_timeout: int = Field(
        20,
        ge=0,
        le=3600,
        description="Seconds a stopping worker lets requests in flight finish before it closes their "
        "connections; keep it under the orchestrator's kill delay (Kubernetes' `terminationGracePeriodSeconds`, "
        "30 s by default).",
    )

    @field_validator("graphiql_assets_url")
    @classmethod
    def _graphiql_assets_url(cls, value: str | None) -> str | None:
        """An http(s) URL with nothing that could end a CSP source or an HTML attribute."""
        text = (value or "").strip().rstrip("/")
        if not text:
            return None
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c in text for c in " ;,'\"<>"):
            raise ValueError("must be an http(s) URL such as https://unpkg.com")
        return text

    @field_validator("business_timezone")
    @classmethod
    def _business_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone name, e.g. Asia/Shanghai") from None
        return value

    @field_validator("request_error_status")
    @classmethod
    def _request_error_status(cls, value: int) -> int:
        if value not in REQUEST_ERROR_STATUSES:
            raise ValueError(f"must be one of {', '.join(map(str, REQUEST_ERROR_STATUSES))}")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_secret_key(self, *, allow_generated: bool = False) -> str:
        """The signing key; generated once and kept on disk only in debug or demo mode."""
        if self.secret_key is not None:
            key = self.secret_key.get_secret_value()
            if len(key) < MIN_SECRET_LENGTH:
                raise ConfigurationError(f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters.")
            return key
        if not (self.debug or allow_generated):
            raise ConfigurationError(
                "SECRET_KEY is not set. Set it to a random string of at least 32 characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
                "or run `omnishop serve --demo` / set DEBUG=true for a local trial."
            )
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key
