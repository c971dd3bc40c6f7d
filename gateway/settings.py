"""The one settings object. Every environment variable the gateway reads is declared here (prefix GATEWAY_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

REPO_ROOT = Path(__file__).resolve().parent.parent

# Placeholders are accepted in development (and tests) only: anywhere else the gateway refuses to serve or to mint a
# credential with them (`Settings.require_secrets`). They are published here, so a token signed with one is forgeable.
_DEV_PEPPER = "dev-only-credential-pepper-change-me"
_DEV_SIGNING_KEY = "dev-only-token-signing-key-change-me-0123456789"
# A Fernet key (urlsafe base64 of 32 bytes: "dev-only-identity-key-change-me!") and an HMAC key.
_DEV_IDENTITY_KEY = "ZGV2LW9ubHktaWRlbnRpdHkta2V5LWNoYW5nZS1tZSE="
_DEV_IDENTITY_INDEX_KEY = "dev-only-identity-index-key-change-me"


# The longest shift a net floor must hold for, in hours: the ceiling of GATEWAY_MAX_SHIFT_HOURS. A constant,
# not that setting, so the gross of a floor (and every settlement and worked example built on it) does not move
# when an operator changes how long a booking may be. Defined here, below the engine, so both read one number.
LONGEST_SHIFT_HOURS = 48

# Dimona REST v1 (FACTS.md, "Declaration of employment"): one token server and audience for both environments.
DIMONA_URLS = {
    "simulation": "https://services-sim.socialsecurity.be/REST/dimona/v1",
    "production": "https://services.socialsecurity.be/REST/dimona/v1",
}
DIMONA_TOKEN_URL = "https://services.socialsecurity.be/REST/oauth/v3/token"  # noqa: S105 - a URL, not a secret
DIMONA_AUDIENCE = "https://oauth.socialsecurity.be"


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting never prints the values given, secrets among them.
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore", hide_input_in_errors=True)

    env: Literal["development", "production", "test"] = Field(
        default="production",
        description="production unless said otherwise, so that a deployment that forgets it fails closed: it refuses "
        "placeholder secrets. `./dev run` sets development; the tests set test.",
    )
    database_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'var' / 'gateway.db'}",
        description="SQLAlchemy URL. SQLite by default; postgresql+psycopg://... in production.",
    )
    db_pool_size: int = Field(default=10, ge=1, description="Connections per process (PostgreSQL).")
    db_max_overflow: int | None = Field(
        default=None,
        ge=0,
        description="Extra connections for bursts past the pool, closed when returned (default: as many as the "
        "pool). A steady load above the pool would open a new backend per request: size the pool instead.",
    )
    request_threads: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Threads per process that run request handlers (each uses at most one database connection at a "
        "time). More threads than cores add contention for Python's GIL, not throughput: measured with "
        "`./dev bench booking`, 4 gave about 30 % more bookings a second than 40, and a p99 of about 125 ms "
        "against 300 (docs/production.md).",
    )
    platform_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a process keeps a platform's adapter, agreement and webhook secrets, and whether an "
        "OAuth client or an API credential is revoked (0: read them for every request). A new secret still verifies "
        "at once; insolvency is always read fresh; a client or credential revoked elsewhere is refused by this "
        "process within this delay.",
    )
    db_pool_pre_ping: bool = Field(
        default=True,
        description="Test each connection with a round trip when it leaves the pool. Off, a connection broken by a "
        "database restart fails its request once (503, Retry-After) and the whole pool is replaced.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    agreements_dir: Path = REPO_ROOT / "agreements"
    webhook_tolerance_seconds: int = Field(
        default=300, ge=1, description="How far a webhook-timestamp may be from now, either way."
    )
    max_body_bytes: int = Field(
        default=256 * 1024,
        ge=1024,
        description="Larger request bodies get 413, on every route, before routing and authentication.",
    )
    max_shift_hours: int = Field(
        default=16,
        ge=1,
        le=LONGEST_SHIFT_HOURS,
        description="Longer shifts are refused (422): booked (ends_at - starts_at) and worked (shift.ended's `at` "
        "less the recorded start, or the booked start when none was reported).",
    )
    clock_skew_seconds: int = Field(
        default=300,
        ge=0,
        le=3600,
        description="How far ahead of the gateway's clock a shift event's `at` (started, ended, cancelled, first "
        "delivery) may be, for senders whose clocks run fast; later is refused (422): an event reports what happened.",
    )
    start_window_hours: int = Field(
        default=12,
        ge=1,
        le=48,
        description="A shift.started `at` more than this many hours before or after the booked start is refused "
        "(422): it belongs to another shift, or to none.",
    )
    booking_horizon_days: int = Field(
        default=366,
        ge=1,
        le=3660,
        description="A shift may be booked to start at most this many days ahead; further is refused (422).",
    )
    booking_past_days: int = Field(
        default=30,
        ge=1,
        le=366,
        description="A shift may be booked up to this many days after its start (late news of work: a backlog after "
        "an outage, a courier enrolled late); earlier starts are refused (422).",
    )
    credential_pepper: SecretStr = Field(
        default=SecretStr(_DEV_PEPPER),
        description="Server-side key mixed into API-credential hashes; a leaked database alone cannot verify keys.",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="Break-glass bearer token holding every staff role (audited as 'admin-token'). Leave unset in "
        "production: staff members with roles (`gateway staff add`) are the normal way in.",
    )
    token_signing_key: SecretStr = Field(
        default=SecretStr(_DEV_SIGNING_KEY),
        description="Key (HS256) signing platforms' access tokens and riders' links and sessions; 32+ characters.",
    )
    public_url: str = Field(default="http://127.0.0.1:8000", description="How riders and platforms reach the gateway.")
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86400, description="Platform access tokens' life.")
    rider_link_ttl_seconds: int = Field(default=900, ge=60, le=86400, description="A rider access link's life.")
    rider_session_ttl_seconds: int = Field(default=43200, ge=300, description="A rider's session after opening a link.")
    api_keys_enabled: bool = Field(
        default=True,
        description="Accept the interim API credentials (gwk_...) beside OAuth2 access tokens; turn off once every "
        "platform has moved to client credentials.",
    )
    rate_limit_per_minute: int = Field(
        default=1200, ge=0, description="Requests a platform may make a minute, per process (0: no limit)."
    )
    token_rate_limit_per_address: int = Field(
        default=120,
        ge=0,
        description="Requests to POST /oauth2/token a minute from one address, per process (0: no limit). Behind a "
        "proxy, the address is the client's only if the proxy's forwarded headers are trusted (uvicorn "
        "--forwarded-allow-ips).",
    )
    token_rate_limit_per_client: int = Field(
        default=30,
        ge=0,
        description="Requests to POST /oauth2/token a minute naming one client id, per process (0: no limit). A "
        "client needs one token per GATEWAY_ACCESS_TOKEN_TTL_SECONDS and process.",
    )
    rider_identity_writes_per_hour: int = Field(
        default=10,
        ge=0,
        description="Writes of their identity (POST /rider/identity, PUT /v1/rider/identity) a rider may make an "
        "hour, per rider account and process (0: no limit). Bounds a signed-in rider probing which national numbers "
        "are members'.",
    )
    secret_overlap_hours: int = Field(
        default=24, ge=0, description="After a webhook secret is rotated, the old one keeps verifying this long."
    )
    oidc_discovery_url: str | None = Field(
        default=None, description="The cooperative's OpenID Connect provider (.well-known/openid-configuration)."
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_member_claim: str = Field(default="member_id", description="ID-token claim holding the cooperative member id.")
    inbox_retention_days: int = Field(
        default=30,
        ge=3,
        description="Accepted webhooks (and their answers) are kept this long for replays, then purged.",
    )
    rider_retention_days: int = Field(
        default=1830, ge=30, description="A rider's name and e-mail are erased this long after their last contract."
    )
    scheduler: bool = Field(default=True, description="Run the periodic jobs inside this process.")
    job_intervals: dict[str, int] = Field(
        default_factory=dict, description='Override a job\'s period in seconds, e.g. {"payouts.execute": 5}.'
    )
    review_period_days: int = Field(
        default=14,
        ge=1,
        le=90,
        description="A rider's request that a person review a decision is answered within this many days "
        "(EU Directive 2024/2831 art. 11: two weeks); past it the review is overdue (staff queue, /metrics).",
    )
    settle_delay_seconds: int = Field(
        default=300, ge=0, description="Wait after a shift's end before settling, to absorb out-of-order events."
    )
    close_grace_seconds: int = Field(
        default=7200, ge=0, description="A shift that never reported its end is closed this long after its booked end."
    )
    payout_journal: Path | None = Field(
        default=None, description="The local payment connector appends each transfer here (one line per payout)."
    )
    # SEPA credit transfers (docs/payouts.md): `local` pays at once (development); `sepa` writes pain.001 batches
    # that the fund's staff release to the bank.
    payout_rail: Literal["local", "sepa"] = Field(
        default="local", description="local (embedded, pays at once) or sepa (pain.001 batches released by staff)."
    )
    payout_debtor_name: str = Field(
        default="", max_length=70, description="The cooperative's account holder name, as the bank knows it (sepa)."
    )
    payout_debtor_iban: str = Field(default="", max_length=34, description="The account riders are paid from (sepa).")
    payout_debtor_bic: str = Field(default="", max_length=11, description="Its bank's BIC; optional in SEPA (sepa).")
    payout_batch_dir: Path = Field(
        default=REPO_ROOT / "var" / "payout-batches",
        description="Where pain.001 batch files are written (owner-only: they hold riders' IBANs).",
    )
    # Outbound delivery (outbox dispatcher: declarations and platform callbacks).
    outbox_batch_size: int = Field(default=20, ge=1, le=1000, description="Messages one dispatcher leases at once.")
    outbox_lease_seconds: int = Field(
        default=600,
        ge=30,
        description="How long a claimed message is reserved for its dispatcher; after it, a crash's message is sent again.",
    )
    outbox_http_timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="Timeout of one outbound call.")
    outbox_retry_schedule: list[int] = Field(
        default=[30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200],
        min_length=1,
        description="Seconds to wait after the 1st, 2nd... failure (JSON list); a failure past the last is a dead letter.",
    )
    outbox_retry_jitter: float = Field(
        default=0.2, ge=0, le=1, description="Each wait is drawn uniformly within ± this fraction of the schedule's."
    )
    outbox_max_retry_after_seconds: int = Field(
        default=86400, ge=1, description="A remote's Retry-After is honoured up to this long."
    )
    outbox_poll_schedule: list[int] = Field(
        default=[30, 60, 120, 300, 600, 1800, 3600],
        min_length=1,
        description="Seconds between polls of a result not known yet (a declaration being processed); the last repeats.",
    )
    outbox_poll_give_up_hours: int = Field(
        default=48, ge=1, description="A result still unknown this long after the message was queued is a dead letter."
    )
    callback_require_https: bool = Field(
        default=True, description="Refuse callback endpoint URLs that are not https (set false for local testing)."
    )
    callback_allow_private: bool = Field(
        default=False,
        description="Accept callback URLs on loopback, private and other non-public addresses (local testing of a "
        "platform's receiver). Refused outside GATEWAY_ENV=development or test: it would open the gateway to SSRF.",
    )
    declaration_connector: Literal["local", "http"] = Field(
        default="local",
        description="local: records and accepts each declaration (the demo); http: the Belgian Dimona REST v1 service.",
    )
    declaration_environment: Literal["simulation", "production"] = Field(
        default="simulation",
        description="Which Dimona service the http connector declares to: simulation (services-sim.socialsecurity.be, "
        "for the accreditation tests) or production (services.socialsecurity.be).",
    )
    declaration_base_url: str | None = Field(
        default=None,
        description="Overrides the environment's Dimona REST root (e.g. a local stub, http://127.0.0.1:8099/REST/"
        "dimona/v1); declarations are POSTed to <root>/declarations.",
    )
    declaration_token_url: str = Field(
        default=DIMONA_TOKEN_URL, description="OAuth v3 token endpoint of the social security's services."
    )
    declaration_token_audience: str = Field(
        default=DIMONA_AUDIENCE, description="The `aud` claim of the client assertion (the same for both environments)."
    )
    declaration_expeditor_number: str = Field(
        default="",
        description="The expeditor number the social security gave the cooperative; the assertion's iss and sub are "
        "self_service_expeditor_<number>.",
    )
    declaration_registration_number: str = Field(
        default="", description="The employer's NSSO registration number (employer.nssoRegistrationNumber)."
    )
    declaration_private_key: SecretStr | None = Field(
        default=None, description="PEM RSA private key signing the client assertion (RS256); or give a file below."
    )
    declaration_private_key_file: Path | None = Field(
        default=None, description="A file holding the PEM private key (instead of GATEWAY_DECLARATION_PRIVATE_KEY)."
    )
    declaration_public_key_file: Path | None = Field(
        default=None,
        description="The certificate or public key (PEM) registered with the social security for the expeditor: "
        "`gateway declarations check` proves the private key matches it.",
    )
    declaration_worker_type: Literal["OTH", "STU", "FLX", "EXT"] = Field(
        default="OTH", description="Dimona worker type of a member who has none of their own."
    )
    declaration_joint_committee: str = Field(
        default="XXX",
        description="dimonaFeatures.jointCommissionNumber: the joint committee of the employment (three digits, "
        "or XXX where the service accepts it, as for students and flexi workers).",
    )
    # The members' identity (gateway.domains.members): SSIN and IBAN encrypted at rest.
    identity_keys: SecretStr = Field(
        default=SecretStr(_DEV_IDENTITY_KEY),
        description="Fernet keys (cryptography) encrypting members' SSIN and IBAN, separated by spaces or commas: the "
        "first encrypts, every one decrypts. Rotation: add the new key last everywhere, then first, then run "
        "`gateway members rotate-keys`, then remove the old one. Generate one with `gateway members new-key`.",
    )
    identity_index_key: SecretStr = Field(
        default=SecretStr(_DEV_IDENTITY_INDEX_KEY),
        description="HMAC key of the SSIN's blind index (one member per person, found without decrypting); 16+ "
        "characters. Changing it needs every SSIN re-indexed (`gateway members rotate-keys --reindex`).",
    )
    identity_required: bool | None = Field(
        default=None,
        description="Open a booking's contract only for a member whose identity can be declared (name, birth date, "
        "SSIN or the fields replacing it); otherwise the contract opens blocked (identity_incomplete). Default: "
        "required with the http declaration connector, not with the embedded local one (the demo needs no "
        "identity).",
    )
    # The employer as a payslip names it (gateway.web.payslip). Named GATEWAY_EMPLOYER_* because the invoices' seller
    # (the same cooperative, as Peppol names it) has settings of its own.
    employer_name: str = Field(
        default="", max_length=200, description="The cooperative's legal name, as its payslips name the employer."
    )
    employer_enterprise_number: str = Field(
        default="", max_length=20, description="The cooperative's enterprise number (BCE/KBO), e.g. 0123.456.789."
    )
    employer_nsso_number: str = Field(
        default="",
        max_length=20,
        description="The employer's NSSO (ONSS/RSZ) registration number on payslips; empty: "
        "GATEWAY_DECLARATION_REGISTRATION_NUMBER, the one the declarations carry.",
    )
    employer_address: str = Field(
        default="", max_length=300, description="The cooperative's registered address, on one line, for payslips."
    )
    demo_platform: str = Field(default="demo", description="Slug of the platform `serve --demo` ensures.")
    demo_agreement: str = "be-delivery-2016"

    @model_validator(mode="after")
    def _private_callbacks_in_development_only(self) -> Settings:
        if self.callback_allow_private and not self.is_development:
            raise ValueError(
                "GATEWAY_CALLBACK_ALLOW_PRIVATE=true is for local testing only: set GATEWAY_ENV=development "
                "(or leave it false)"
            )
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Settings:
        if self.outbox_lease_seconds < 10 * self.outbox_http_timeout_seconds:
            raise ValueError(
                "GATEWAY_OUTBOX_LEASE_SECONDS must be at least 10 times GATEWAY_OUTBOX_HTTP_TIMEOUT_SECONDS, "
                "so that a claimed message is sent before another dispatcher may take it"
            )
        return self

    @model_validator(mode="after")
    def _sepa_needs_the_debtor(self) -> Settings:
        # A batch without the cooperative's account is a file no bank takes: say so at start, not at the first run.
        if self.payout_rail == "sepa":
            missing = [
                f"GATEWAY_{name.upper()}"
                for name in ("payout_debtor_name", "payout_debtor_iban")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"GATEWAY_PAYOUT_RAIL=sepa needs {', '.join(missing)}")
            try:
                self.payout_debtor_iban = IBAN(self.payout_debtor_iban).compact
                if self.payout_debtor_bic:
                    self.payout_debtor_bic = BIC(self.payout_debtor_bic).compact
            except SchwiftyException as exc:
                # The cooperative's own account: naming what is wrong leaks nothing, the value is not repeated.
                raise ValueError(f"GATEWAY_PAYOUT_DEBTOR_IBAN or _BIC is not valid: {exc}") from None
        return self

    @model_validator(mode="after")
    def _http_declarations_need_their_settings(self) -> Settings:
        if self.declaration_connector == "http":
            missing = [
                f"GATEWAY_{name.upper()}"
                for name in ("declaration_expeditor_number", "declaration_registration_number")
                if not getattr(self, name)
            ]
            has_key = self.declaration_private_key is not None and self.declaration_private_key.get_secret_value()
            if not has_key and self.declaration_private_key_file is None:
                missing.append("GATEWAY_DECLARATION_PRIVATE_KEY (or GATEWAY_DECLARATION_PRIVATE_KEY_FILE)")
            if missing:
                raise ValueError(f"GATEWAY_DECLARATION_CONNECTOR=http needs {', '.join(missing)}")
        return self

    @property
    def declaration_service_url(self) -> str:
        """The Dimona REST root: the override, else the environment's."""
        return (self.declaration_base_url or DIMONA_URLS[self.declaration_environment]).rstrip("/")

    def declaration_key_pem(self) -> SecretStr:
        """The private key, from the setting or its file. Read when the connector is built, never logged."""
        if self.declaration_private_key is not None and self.declaration_private_key.get_secret_value():
            return self.declaration_private_key
        if self.declaration_private_key_file is None:
            raise ValueError("no declaration private key: set GATEWAY_DECLARATION_PRIVATE_KEY or its _FILE")
        return SecretStr(self.declaration_private_key_file.read_text())

    @property
    def requires_identity(self) -> bool:
        if self.identity_required is not None:
            return self.identity_required
        return self.declaration_connector == "http"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_development(self) -> bool:
        """Development or tests: placeholder secrets and private callback addresses are allowed."""
        return self.env in ("development", "test")

    def secret_problems(self) -> list[str]:
        """What is wrong with the secrets for this environment, one line per setting (empty: all good)."""
        if self.is_development:
            return []
        problems = []
        key = self.token_signing_key.get_secret_value()
        if key == _DEV_SIGNING_KEY or len(key) < 32:
            problems.append(
                "GATEWAY_TOKEN_SIGNING_KEY is empty, too short or the published development placeholder: set a "
                "random value of at least 32 characters"
            )
        pepper = self.credential_pepper.get_secret_value()
        if pepper == _DEV_PEPPER or len(pepper) < 16:
            problems.append(
                "GATEWAY_CREDENTIAL_PEPPER is empty, too short or the published development placeholder: set a "
                "random value of at least 16 characters"
            )
        if _DEV_IDENTITY_KEY in self.identity_keys.get_secret_value().replace(",", " ").split():
            problems.append(
                "GATEWAY_IDENTITY_KEYS holds the published development key: set keys of your own "
                "(`gateway members new-key`)"
            )
        index_key = self.identity_index_key.get_secret_value()
        if index_key == _DEV_IDENTITY_INDEX_KEY or len(index_key) < 16:
            problems.append(
                "GATEWAY_IDENTITY_INDEX_KEY is empty, too short or the published development placeholder: set a "
                "random value of at least 16 characters"
            )
        if self.admin_token is not None and len(self.admin_token.get_secret_value()) < 32:
            problems.append("GATEWAY_ADMIN_TOKEN is set but shorter than 32 characters: unset it or make it random")
        return problems

    def require_secrets(self) -> None:
        """Fail closed. Called where a secret is needed (serving, minting credentials), not on every Settings():
        the negotiators' commands (agreements, reports) use no secret and work without any set."""
        problems = self.secret_problems()
        if problems:
            raise InsecureSettings(
                f"GATEWAY_ENV={self.env}: refusing to start with placeholder secrets. " + "; ".join(problems) + ". "
                "(For local work only: GATEWAY_ENV=development, which `./dev run` sets.)"
            )


class InsecureSettings(RuntimeError):
    """A secret the gateway needs is empty or a published placeholder outside development. Names which."""


@lru_cache
def get_settings() -> Settings:
    return Settings()
