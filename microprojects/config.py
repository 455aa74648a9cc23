"""Configuration classes. Values come from the environment, read when a config object is made.

``MICROPROJECTS_ENV`` picks the class (``development``, the default, or ``production``);
``create_app`` also accepts a config object or a mapping, which is what the tests use.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def normalize_database_url(url: str) -> str:
    """Let the usual ``postgres://`` and ``postgresql://`` spellings use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Development defaults: SQLite under ``instance/``, memory rate limits, zh-CN first."""

    DEBUG = False
    TESTING = False

    def __init__(self, instance_path: str | None = None) -> None:
        instance = Path(instance_path or Path.cwd() / "instance")
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or self._local_secret(instance)
        # The key ballots are sealed to (base64 of 32 bytes): never in the database or its backups.
        self.BALLOT_KEY = os.environ.get("BALLOT_KEY") or self._missing_ballot_key(instance)
        # The fewest sealed ballots the mixer opens at once while voting runs (all at its close).
        self.MIX_BATCH = _env_int("MIX_BATCH", 50)
        default_db = "sqlite:///" + str(instance / "microprojects.db")
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(
            os.environ.get("DATABASE_URL", default_db)
        )
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
        # A hot standby of that database (streaming replication): public pages read there.
        # Empty: everything on DATABASE_URL. See microprojects/standby.py.
        self.DATABASE_READ_URL = normalize_database_url(os.environ.get("DATABASE_READ_URL", ""))
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        # How many proxies (nginx: 1) stand before the app and say who their client is.
        self.TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
        if self.TRUSTED_PROXIES < 0:
            raise RuntimeError("TRUSTED_PROXIES must be 0 (no proxy) or the number of proxies")
        # Failed logins, per client address and per login name (see views.auth).
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;30 per hour")
        self.LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get(
            "LOGIN_ACCOUNT_RATE_LIMIT", "5 per minute;20 per hour"
        )
        self.CLAIM_RATE_LIMIT = os.environ.get("CLAIM_RATE_LIMIT", "10 per minute;30 per hour")
        self.REGISTER_RATE_LIMIT = os.environ.get(
            "REGISTER_RATE_LIMIT", "10 per minute;50 per hour"
        )
        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
        self.LANGUAGES = ("zh_CN", "en")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session; a long form must not expire
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
        self.ROSTER_MAX_ROWS = _env_int("ROSTER_MAX_ROWS", 20000)
        self.CODES_MAX_PER_SHEET = 500
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = _env_int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "noreply@localhost")
        # SMS: "log" writes messages to the log (development); "aliyun" sends through Aliyun.
        self.SMS_SENDER = os.environ.get("SMS_SENDER", "log")
        self.ALIYUN_ACCESS_KEY_ID = os.environ.get("ALIYUN_ACCESS_KEY_ID", "")
        self.ALIYUN_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_ACCESS_KEY_SECRET", "")
        self.ALIYUN_SMS_SIGN_NAME = os.environ.get("ALIYUN_SMS_SIGN_NAME", "")
        # Template codes per notice kind: "phone_code=SMS_1,voting_open=SMS_2,...".
        self.ALIYUN_SMS_TEMPLATES = os.environ.get("ALIYUN_SMS_TEMPLATES", "")
        self.ALIYUN_SMS_ENDPOINT = os.environ.get(
            "ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"
        )
        self.ALIYUN_SMS_REGION = os.environ.get("ALIYUN_SMS_REGION", "cn-hangzhou")
        self.SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT") or 5)
        # At most this many SMS a minute in all; more wait for the next minute, none is dropped.
        self.SMS_PER_MINUTE = _env_int("SMS_PER_MINUTE", 60)
        # Messages tried at once after the request that queued them; the rest go with the next
        # `flask notices send`, so that a large announcement never holds up its page.
        self.OUTBOX_SEND_AT_ONCE = _env_int("OUTBOX_SEND_AT_ONCE", 20)
        self.PHONE_CODE_RATE_LIMIT = os.environ.get("PHONE_CODE_RATE_LIMIT", "5 per minute")
        self.UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(instance / "uploads"))
        self.PHOTO_MAX_BYTES = _env_int("PHOTO_MAX_BYTES", 8 * 1024 * 1024)
        self.COMMENT_RATE_LIMIT = os.environ.get("COMMENT_RATE_LIMIT", "10 per minute;60 per hour")
        self.PASSWORD_HASH_METHOD = "scrypt"  # Werkzeug's current default: memory-hard
        self.DEMO = False

    @staticmethod
    def _local_secret(instance: Path) -> str:
        # A development secret that survives restarts, so logins do too; production must set one.
        return _kept_in(instance / "secret_key", lambda: secrets.token_hex(32))

    def _missing_ballot_key(self, instance: Path) -> str:
        # A development key that survives restarts, so that ballots cast before one are opened
        # after it; production must set one, shared by every server of the deployment.
        return _kept_in(
            instance / "ballot_key",
            lambda: base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
        )


def _kept_in(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in ``path`` (readable by its owner alone), made the first time."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        value = make()
        path.write_text(value, encoding="ascii")
        path.chmod(0o600)
        return value


class ProductionConfig(Config):
    """Production: a secret key and a database URL must come from the environment."""

    def __init__(self, instance_path: str | None = None) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError(
                "SECRET_KEY must be set in production (MICROPROJECTS_ENV=production)"
            )
        super().__init__(instance_path)
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PREFERRED_URL_SCHEME = "https"

    def _missing_ballot_key(self, instance: Path) -> str:
        # Every server must seal to the same key, and the mixer open with it: a key that one
        # server made for itself would leave the others' ballots unopened.
        raise RuntimeError(
            "BALLOT_KEY must be set in production (MICROPROJECTS_ENV=production): make one "
            "with `python3 -c 'import base64, os; "
            "print(base64.b64encode(os.urandom(32)).decode())'`, "
            "give the same to every server, and keep it out of the database's backups"
        )


class TestConfig(Config):
    """For the test suite: the database URL is given, CSRF stays on unless a test turns it off."""

    TESTING = True

    def __init__(self, database_url: str, instance_path: str | None = None) -> None:
        super().__init__(instance_path)
        self.SECRET_KEY = "test-secret"
        self.BALLOT_KEY = "dGVzdC1iYWxsb3Qta2V5LW5ldmVyLWluLXByb2R1Y3Q="
        self.MIX_BATCH = 3
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(database_url)
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.LOGIN_RATE_LIMIT = "5 per minute"
        self.LOGIN_ACCOUNT_RATE_LIMIT = "5 per minute"
        self.CLAIM_RATE_LIMIT = "5 per minute"
        self.REGISTER_RATE_LIMIT = "5 per minute"
        self.SERVER_NAME = None
        # A cheap hash keeps the suite fast; production's scrypt is checked in its own test.
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


def config_from_environment(instance_path: str | None = None) -> Config:
    env = os.environ.get("MICROPROJECTS_ENV", "development").strip().lower()
    if env == "production":
        return ProductionConfig(instance_path)
    return Config(instance_path)
