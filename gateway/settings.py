"""The one settings object. Every environment variable the gateway reads is declared here (prefix GATEWAY_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

# Placeholders are accepted in development only; production refuses to start with them.
_DEV_PEPPER = "dev-only-credential-pepper-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'var' / 'gateway.db'}",
        description="SQLAlchemy URL. SQLite by default; postgresql+psycopg://... in production.",
    )
    db_pool_size: int = Field(default=10, ge=1, description="Connections per process (PostgreSQL).")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    agreements_dir: Path = REPO_ROOT / "agreements"
    webhook_tolerance_seconds: int = Field(
        default=300, ge=1, description="How far a webhook-timestamp may be from now, either way."
    )
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, description="Larger webhook bodies get 413.")
    max_shift_hours: int = Field(default=16, ge=1, le=48, description="Longer booked shifts are refused.")
    credential_pepper: SecretStr = Field(
        default=SecretStr(_DEV_PEPPER),
        description="Server-side key mixed into API-credential hashes; a leaked database alone cannot verify keys.",
    )
    scheduler: bool = Field(default=True, description="Run the periodic jobs inside this process.")
    demo_platform: str = Field(default="demo", description="Slug of the platform `serve --demo` ensures.")
    demo_agreement: str = "be-delivery-2016"

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> Settings:
        if self.env == "production":
            pepper = self.credential_pepper.get_secret_value()
            if not pepper or pepper == _DEV_PEPPER or len(pepper) < 16:
                raise ValueError(
                    "GATEWAY_CREDENTIAL_PEPPER must be set to a random value of at least 16 characters "
                    "in production (it is empty or the development placeholder)"
                )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
