"""Settings, read from the environment with the prefix WHOLEPLACE_ (see docs/settings.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WHOLEPLACE_")

    database_url: str = Field(
        default="sqlite:///var/wholeplace.db",
        description="SQLAlchemy URL of the database; postgresql://user@host/db for PostgreSQL.",
    )
    host: str = Field(default="127.0.0.1", description="Address the web server listens on.")
    port: int = Field(default=8000, description="Port the web server listens on.")
    secure_cookies: bool = Field(
        default=False,
        description="Always mark cookies Secure (they are marked Secure anyway when served over https).",
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, description="Minutes a sign-in lasts without a page being opened; then sign in again."
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, description="Hours a sign-in lasts at most, however busy; then sign in again."
    )
    max_failed_sign_ins: int = Field(default=5, description="Failed sign-ins in a row that lock an account.")
    lockout_minutes: int = Field(default=15, description="Minutes an account stays locked.")
    partnership_name: str = Field(
        default="the Essex partnership",
        description="Whose records these are, as the footer of every page says: © the partners of ...",
    )
    page_size: int = Field(default=50, description="Rows per page in lists and API responses.")
    max_upload_mb: int = Field(
        default=10, ge=1, description="Largest request body, upload or imported file, in megabytes; larger is refused."
    )
    call_in_working_days: int = Field(
        default=5,
        ge=0,
        le=30,
        description="Working days after a decision is taken during which it can be called in; its money posts after "
        "(see docs/decisions.md).",
    )
    audit_anchor_key: SecretStr | None = Field(
        default=None,
        description="Secret that signs audit anchors (`wholeplace audit anchor`); keep it away from the database.",
    )
    static_dir: Path = Field(
        default=Path(__file__).parent / "web" / "static",
        description="Folder of static assets, GOV.UK Frontend included (filled by `make assets`).",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
