"""Settings from environment variables (and an optional ``.env``), read once at start-up."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable."""


def _ids(name: str) -> frozenset[int]:
    raw = os.environ.get(name, "").replace(";", ",").replace(" ", ",")
    out = set()
    for part in filter(None, raw.split(",")):
        try:
            out.add(int(part))
        except ValueError as exc:
            raise ConfigError(f"{name}: '{part}' is not a numeric Telegram id") from exc
    return frozenset(out)


def _whole(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: '{raw}' is not a whole number") from exc


def _positive(name: str, default: str) -> int:
    value = _whole(name, os.environ.get(name, default))
    if value <= 0:
        raise ConfigError(f"{name} must be positive")
    return value


def _count(name: str) -> int | None:
    """A whole number ≥ 0, or None when the variable is unset (the default decides)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    value = _whole(name, raw)
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more")
    return value


@dataclass(frozen=True)
class Settings:
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    data_dir: Path = Path("data")
    corpus_dir: Path = Path("seeds")
    timezone: str = "Asia/Shanghai"
    allowed_chat_ids: frozenset[int] = field(default_factory=frozenset)
    allowed_user_ids: frozenset[int] = field(default_factory=frozenset)
    admin_user_ids: frozenset[int] = field(default_factory=frozenset)
    session_idle_minutes: int = 30
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = ""
    max_upload_mb: int = 20
    search_processes: int | None = None  # None: worker processes for a large corpus only (bot/searchpool.py)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def state_db(self) -> Path:
        return self.data_dir / "state.sqlite3"

    @property
    def cache_dir(self) -> Path:
        """Where the index cache lives: RETRIEVAL_CACHE_DIR (the image bakes one in), else the data folder."""
        override = os.environ.get("RETRIEVAL_CACHE_DIR", "").strip()
        return Path(override) if override else self.data_dir / "cache"


# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, "_" and "-" as a webhook secret token.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _webhook_secret(webhook_url: str) -> str:
    """WEBHOOK_SECRET, or a fresh random one when a webhook is configured without it.

    Without a secret anyone who finds the webhook URL can post forged updates
    (an "admin" asking to delete a document), so webhook mode never runs
    without one.  A generated secret lives only as long as the process:
    ``setWebhook`` registers it anew at every start.
    """
    raw = os.environ.get("WEBHOOK_SECRET", "").strip()
    if raw and not _SECRET_SHAPE.fullmatch(raw):
        raise ConfigError("WEBHOOK_SECRET: use 1-256 characters from A-Z, a-z, 0-9, '_' and '-'")
    if raw or not webhook_url:
        return raw
    return secrets.token_urlsafe(32)


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Read the environment; a ``.env`` file fills in variables that are not already set."""
    if env_file is not None and env_file.is_file():
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)
    base_url = os.environ.get("TELEGRAM_BASE_URL", "").strip() or Settings.base_url
    file_url = os.environ.get("TELEGRAM_BASE_FILE_URL", "").strip()
    if not file_url:
        # A self-hosted Bot API server serves files under /file/bot<token>.
        file_url = base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else Settings.base_file_url
    settings = Settings(
        token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip(),
        base_url=base_url,
        base_file_url=file_url,
        data_dir=Path(os.environ.get("BOT_DATA_DIR", "data")),
        corpus_dir=Path(os.environ.get("CORPUS_DIR", "seeds")),
        timezone=os.environ.get("BOT_TIMEZONE", "Asia/Shanghai"),
        allowed_chat_ids=_ids("ALLOWED_CHAT_IDS"),
        allowed_user_ids=_ids("ALLOWED_USER_IDS"),
        admin_user_ids=_ids("ADMIN_USER_IDS"),
        session_idle_minutes=_positive("SESSION_IDLE_MINUTES", "30"),
        webhook_url=os.environ.get("WEBHOOK_URL", "").strip(),
        webhook_listen=os.environ.get("WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=_positive("WEBHOOK_PORT", "8443"),
        webhook_secret=_webhook_secret(os.environ.get("WEBHOOK_URL", "").strip()),
        max_upload_mb=_positive("MAX_UPLOAD_MB", "20"),
        search_processes=_count("SEARCH_PROCESSES"),
    )
    try:
        settings.tz  # noqa: B018 - validate early
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"BOT_TIMEZONE: unknown time zone '{settings.timezone}'") from exc
    return settings
