"""Process settings, read from the environment (prefix ``SMSURVEY_``) or a ``.env`` file."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a process needs to know; the defaults are the embedded set-up."""

    model_config = SettingsConfigDict(
        env_prefix="SMSURVEY_", env_file=".env", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///smsurvey.db",
        description="SQLAlchemy async URL; a relative SQLite path starts in the working directory.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for the senders' paces, shared by all workers."
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs links; required beyond SQLite (a key file beside SQLite otherwise).",
    )
    public_url: str = Field(
        default="",
        description="How respondents and providers reach this server (links, callbacks);"
        " http://{host}:{port} when unset.",
    )
    sender: str | None = Field(
        default=None,
        description="Default sender through the simulator (an organisation without provider"
        " connections); the simulator's number if unset.",
    )
    default_region: str | None = Field(
        default=None,
        description="Region (e.g. US, GB) for phone numbers written without a country code.",
    )
    credit_rates_file: str | None = Field(
        default=None, description="CSV of per-country credit rates that overrides the shipped one."
    )
    api_body_limit: int = Field(
        default=10_000_000,
        gt=0,
        description="Largest request body in bytes (API and pages); a larger one gets 413.",
    )
    webhook_body_limit: int = Field(
        default=1_000_000,
        gt=0,
        description="Largest provider callback body in bytes (the receive routes).",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"

    default_time_zone: str = Field(
        default="UTC", description="Zone of recipients whose zone cannot be told (quiet hours)."
    )
    initial_credits: Decimal = Field(
        default=Decimal(1000), description="Credits a new organisation opens with."
    )
    pacing: bool = Field(
        default=True, description="Hold each sender to its pace (parts per second)."
    )
    reconcile_after: float = Field(
        default=60,
        gt=0,
        description="Seconds after an uncertain hand-over started before its provider is asked"
        " whether it took the text.",
    )
    worker_silence: float = Field(
        default=30,
        gt=0,
        description="Seconds a worker may go without saying it is alive before the texts it"
        " holds are recovered by another.",
    )
    webhook_retention_hours: float = Field(
        default=72,
        gt=0,
        description="Hours a processed provider callback is kept, so that the provider's"
        " retries of it change nothing; then the worker deletes it.",
    )
    session_hours: int = Field(default=48, description="How long a 2-way session stays open.")
    not_in_session_text: str = "You are not currently taking a survey."
    help_text: str = "Reply to the survey questions by text. Text STOP to opt out."
    stop_text: str = "You have been opted out and will receive no more texts. Text START to opt in."
    start_text: str = "You have opted back in to texts. Text STOP to opt out."
    access_code_refused_text: str = "Sorry, this survey is not available from your country."
    survey_paused_text: str = "Sorry, this survey is not open right now. Please try again later."
    survey_closed_text: str = "Sorry, this survey is closed. Thank you for your interest."

    simulator_number: str = Field(
        default="+15005550006", description="Our number when texts go through the simulator."
    )
    simulator_delay_ms: int = Field(default=500, description="Delay before delivery reports.")
    simulator_behaviours: str = Field(
        default="", description="Numbers the simulator fails: '+1555000=failed,+4470=bounced:0.5'."
    )
    simulator_enabled: bool = Field(
        default=True,
        validation_alias="SMSURVEY_SIMULATOR",
        description="Whether organisations without a provider connection send through the"
        " simulator (its receive URL and phones answer 404 for every other organisation).",
    )

    @model_validator(mode="after")
    def _served_address(self) -> Settings:
        """Without a public URL, links point where ``serve`` listens."""
        if not self.public_url:
            host = f"[{self.host}]" if ":" in self.host else self.host
            self.public_url = f"http://{host}:{self.port}"
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
