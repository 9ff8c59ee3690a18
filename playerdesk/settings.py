"""PlayerDesk settings: every value comes from a ``PLAYERDESK_*`` environment variable.

The embedded default needs nothing: SQLite in WAL mode, files under ``PLAYERDESK_DATA_DIR``, Huey on
SQLite and an in-memory channel layer. ``PLAYERDESK_DATABASE_URL`` and ``PLAYERDESK_REDIS_URL`` switch to
PostgreSQL and Redis (scale-out) without code changes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"PLAYERDESK_DATABASE_URL must be a postgres:// URL, not scheme {parsed.scheme!r}"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "playerdesk",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": env_int("PLAYERDESK_DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        # Each test process gets its own database, so parallel runs on one server never collide.
        "TEST": {"NAME": env_str("PLAYERDESK_TEST_DATABASE_NAME") or f"test_playerdesk_{os.getpid()}"},
    }


TESTING = "pytest" in sys.modules or env_bool("PLAYERDESK_TESTING")
DEMO = env_bool("PLAYERDESK_DEMO")
# How many cases `playerdesk demo` (and `playerdesk run` in demo mode) loads.
DEMO_CASES = env_int("PLAYERDESK_DEMO_CASES", 1000)
if env_str("PLAYERDESK_DATA_DIR"):
    DATA_DIR = Path(env_str("PLAYERDESK_DATA_DIR")).resolve()
elif TESTING:
    DATA_DIR = Path(tempfile.mkdtemp(prefix="playerdesk-test-"))
else:
    DATA_DIR = Path("var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEMO_SECRET_KEY = "playerdesk-demo-secret-key-not-for-production"  # noqa: S105
SECRET_KEY = env_str("PLAYERDESK_SECRET_KEY")
if not SECRET_KEY:
    if DEMO or TESTING:
        SECRET_KEY = DEMO_SECRET_KEY
    else:
        raise ImproperlyConfigured(
            "PLAYERDESK_SECRET_KEY is required outside demo mode (set PLAYERDESK_DEMO=1 to try PlayerDesk)."
        )
elif SECRET_KEY == DEMO_SECRET_KEY and not (DEMO or TESTING):
    raise ImproperlyConfigured("The demo secret key cannot be used outside demo mode.")

DEBUG = env_bool("PLAYERDESK_DEBUG")
HTTP_HOST = env_str("PLAYERDESK_HTTP_HOST", "127.0.0.1")
HTTP_PORT = env_int("PLAYERDESK_HTTP_PORT", 8000)
SITE_URL = env_str("PLAYERDESK_SITE_URL", f"http://{HTTP_HOST}:{HTTP_PORT}").rstrip("/")
ALLOWED_HOSTS = env_list("PLAYERDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("PLAYERDESK_CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "huey.contrib.djhuey",
    "playerdesk.core",
    "playerdesk.players",
    "playerdesk.accounthelp",
    "playerdesk.tickets",
    "playerdesk.intake",
    "playerdesk.mail",
    "playerdesk.api",
    "playerdesk.console",
    "playerdesk.portal",
    "playerdesk.chat",
    "playerdesk.sla",
    "playerdesk.triage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "playerdesk.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "playerdesk.console.signin.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "playerdesk.urls"
ASGI_APPLICATION = "playerdesk.asgi.application"
WSGI_APPLICATION = "playerdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "playerdesk.core.context_processors.playerdesk",
                "playerdesk.console.context_processors.desk_chrome",
            ],
        },
    }
]

DATABASE_URL = env_str("PLAYERDESK_DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "playerdesk.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA cache_size=-32000; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("PLAYERDESK_REDIS_URL")
REDIS_PREFIX = env_str("PLAYERDESK_REDIS_PREFIX", "playerdesk")
if TESTING:
    # Parallel test processes share one Redis: each keeps its own groups and keys.
    REDIS_PREFIX = f"{REDIS_PREFIX}-{os.getpid()}"
# Frames waiting for one socket (a busy agent screen gets offers, queue changes and chat entries): past
# this, further pushes to it are dropped and the client catches up by sequence number on its next resume.
CHANNEL_CAPACITY = 1000
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX, "capacity": CHANNEL_CAPACITY},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "playerdesk.core.layers.MemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

HUEY: dict[str, object] = {
    "name": REDIS_PREFIX,
    "immediate": TESTING,
    "utc": True,
    "consumer": {"workers": env_int("PLAYERDESK_WORKER_THREADS", 4), "worker_type": "thread"},
}
if TESTING:
    HUEY["huey_class"] = "huey.MemoryHuey"
elif REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "jobs.sqlite3")})

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/desk/login/"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/desk/login/"
# Staff sign in with a password and a code from an authenticator app (TOTP). When required, an agent
# without it is sent to set it up before any other desk page; on by default outside demo mode.
STAFF_2FA_REQUIRED = env_bool("PLAYERDESK_STAFF_2FA_REQUIRED", not DEMO and not TESTING)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "playerdesk_language"
LANGUAGE_COOKIE_SECURE = env_bool("PLAYERDESK_SECURE_COOKIES", SITE_URL.startswith("https://"))
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "playerdesk.core.storage.EncryptedFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
FILES_DIR = DATA_DIR / "files"
MEDIA_ROOT = FILES_DIR

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE
CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("PLAYERDESK_SESSION_HOURS", 12) * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PLAYERDESK_MAX_REQUEST_BYTES", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Outbound mail: an SMTP relay, or in demo mode the local mailbox shown in the console.
MAIL_DOMAIN = env_str("PLAYERDESK_MAIL_DOMAIN", "playerdesk.localhost")
MAIL_FROM = env_str("PLAYERDESK_MAIL_FROM", f"PlayerDesk Support <support@{MAIL_DOMAIN}>")
SMTP_RELAY = env_str("PLAYERDESK_SMTP_RELAY")
SMTP_PORT = env_int("PLAYERDESK_SMTP_PORT", 2525)
DEFAULT_FROM_EMAIL = MAIL_FROM
if SMTP_RELAY:
    _relay_host, _, _relay_port = SMTP_RELAY.partition(":")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _relay_host
    EMAIL_PORT = int(_relay_port or 25)
    EMAIL_HOST_USER = env_str("PLAYERDESK_SMTP_USER")
    EMAIL_HOST_PASSWORD = env_str("PLAYERDESK_SMTP_PASSWORD")
    EMAIL_USE_TLS = env_bool("PLAYERDESK_SMTP_STARTTLS")
    EMAIL_TIMEOUT = 20
elif TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    # Demo mode and unconfigured installs keep mail in the local mailbox (visible in the console).
    EMAIL_BACKEND = "playerdesk.mail.backends.LocalMailboxBackend"

# Branding shown to players (portal, emails, widget).
BRAND_NAME = env_str("PLAYERDESK_BRAND_NAME", "PlayerDesk")
SUPPORT_EMAIL = env_str("PLAYERDESK_SUPPORT_EMAIL", f"support@{MAIL_DOMAIN}")

# Inbound mail: caps checked before any parsing (over a cap: rejected with a reason, kept in quarantine).
MAIL_MAX_BYTES = env_int("PLAYERDESK_MAIL_MAX_BYTES", 25 * 1024 * 1024)
MAIL_MAX_HEADER_BYTES = env_int("PLAYERDESK_MAIL_MAX_HEADER_BYTES", 128 * 1024)
MAIL_MAX_HEADER_PARAMS = env_int("PLAYERDESK_MAIL_MAX_HEADER_PARAMS", 1000)
MAIL_MAX_PARTS = env_int("PLAYERDESK_MAIL_MAX_PARTS", 500)
MAIL_MAX_DEPTH = env_int("PLAYERDESK_MAIL_MAX_DEPTH", 20)
# Published response time for email, quoted in the acknowledgement.
MAIL_RESPONSE_HOURS = env_int("PLAYERDESK_MAIL_RESPONSE_HOURS", 24)
SMTP_HOST = env_str("PLAYERDESK_SMTP_HOST", "127.0.0.1")
IMAP_POLL_SECONDS = env_int("PLAYERDESK_IMAP_POLL_SECONDS", 60)

# Cases
REOPEN_WINDOW_DAYS = env_int("PLAYERDESK_REOPEN_DAYS", 14)
MAX_SUBJECT_CHARS = 255
MAX_BODY_CHARS = env_int("PLAYERDESK_MAX_BODY_CHARS", 200_000)
QUEUE_PAGE_SIZE = 50
MAX_ATTACHMENT_BYTES = env_int("PLAYERDESK_MAX_ATTACHMENT_BYTES", 15 * 1024 * 1024)
MAX_ATTACHMENTS_PER_MESSAGE = 10
PORTAL_LINK_HOURS = env_int("PLAYERDESK_PORTAL_LINK_HOURS", 72)

# Service standards: how often the breach sweep runs (seconds, ≤ 60), and the least time between two
# automatic updates to a player when the policy sets no update interval.
SLA_SWEEP_SECONDS = max(5, min(60, env_int("PLAYERDESK_SLA_SWEEP_SECONDS", 15)))
SLA_MIN_UPDATE_HOURS = env_int("PLAYERDESK_SLA_MIN_UPDATE_HOURS", 24)

# REST API: requests a token may make per minute (fixed window in the shared cache); 0 disables.
API_RATE_PER_MINUTE = env_int("PLAYERDESK_API_RATE_PER_MINUTE", 600)

# Live chat widget. The operator's backend signs player tokens (HS256 JWT) with the widget secret; without
# one, only guests can chat. Demo and test runs use a fixed, documented secret.
DEMO_WIDGET_SECRET = "playerdesk-demo-widget-secret-not-for-production"  # noqa: S105
WIDGET_SECRET = env_str("PLAYERDESK_WIDGET_SECRET") or (DEMO_WIDGET_SECRET if DEMO or TESTING else "")
if WIDGET_SECRET == DEMO_WIDGET_SECRET and env_str("PLAYERDESK_WIDGET_SECRET") and not (DEMO or TESTING):
    raise ImproperlyConfigured("The demo widget secret cannot be used outside demo mode.")
# Origins (scheme://host[:port]) of the operator's sites that may embed the widget, besides this site.
WIDGET_ORIGINS = env_list("PLAYERDESK_WIDGET_ORIGINS", [])
CHAT_RING_SECONDS = env_int("PLAYERDESK_CHAT_RING_SECONDS", 30)
CHAT_IDLE_MINUTES = env_int("PLAYERDESK_CHAT_IDLE_MINUTES", 15)
CHAT_EMAIL_RESPONSE_HOURS = env_int("PLAYERDESK_CHAT_EMAIL_RESPONSE_HOURS", 24)
# Messages a player may send: per connection (burst, per 10 s) and per player or guest (per minute).
CHAT_RATE_PER_CONNECTION = env_int("PLAYERDESK_CHAT_RATE_PER_CONNECTION", 20)
CHAT_RATE_PER_PLAYER = env_int("PLAYERDESK_CHAT_RATE_PER_PLAYER", 60)

# Operator connector: signed webhooks to the operator's platform (account help, one-time codes by phone).
OPERATOR_WEBHOOK_URL = env_str("PLAYERDESK_OPERATOR_WEBHOOK_URL")
OPERATOR_WEBHOOK_SECRET = env_str("PLAYERDESK_OPERATOR_WEBHOOK_SECRET") or (
    SECRET_KEY if DEMO or TESTING else ""
)
# Player cases: upload links, document reminders, the team for self-excluded players.
DOCUMENT_LINK_DAYS = env_int("PLAYERDESK_DOCUMENT_LINK_DAYS", 7)
DOCUMENT_REMINDER_DAYS = env_int("PLAYERDESK_DOCUMENT_REMINDER_DAYS", 3)
MAX_DOCUMENT_PIXELS = env_int("PLAYERDESK_MAX_DOCUMENT_PIXELS", 50_000_000)
RESPONSIBLE_GAMBLING_TEAM = env_str("PLAYERDESK_RESPONSIBLE_GAMBLING_TEAM", "responsible-gambling")

# Explicit, ordered hook lists (DESIGN.md §3): how a lower layer lets the layers above it react, without
# importing them. Each list is documented where it is called.
HOOKS: dict[str, list[str]] = {
    # Blocks of the console's case page, in page order (``console.panels``; ``core.panels.Panel``).
    "case_panels": [
        "playerdesk.sla.panels.clocks_panel",
        "playerdesk.accounthelp.panels.head_panel",
        "playerdesk.chat.panels.chat_panel",
        "playerdesk.accounthelp.panels.side_panel",
        "playerdesk.accounthelp.panels.main_panel",
        "playerdesk.mail.panels.side_panel",
        "playerdesk.triage.panels.triage_panel",
    ],
    # A case changed: ``(ticket, fields)``, under the case's lock before its row is written
    # (``tickets.actions.save_case``).
    "case_changed": ["playerdesk.sla.clocks.on_ticket_changed"],
    # Channels asked in turn to take an agent's reply, an automatic update, a notice (``tickets.delivery``).
    "reply_delivery": ["playerdesk.chat.delivery.deliver_reply", "playerdesk.mail.delivery.deliver_reply"],
    "update_delivery": ["playerdesk.chat.delivery.deliver_update", "playerdesk.mail.delivery.deliver_update"],
    "notice_delivery": ["playerdesk.mail.delivery.deliver_notice"],
    # May refuse a macro for a case (raising ``ActionError``): ``(macro, ticket)`` (``tickets.render_macro``).
    "macro_checks": ["playerdesk.accounthelp.casework.check_macro"],
    # Players the operator just marked self-excluded: ``(players)`` (``players.ingest``).
    "players_self_excluded": ["playerdesk.tickets.actions.route_protected_cases"],
    # Channels asked in turn to send a new case's automatic acknowledgement: ``(ticket, contact)``
    # (``intake.actions``; intake's policy decided that it goes).
    "acknowledgement": ["playerdesk.mail.delivery.acknowledge"],
    # An agent's presence changed: ``(profile, previous, status)`` (``core.actions.do_set_agent_status``).
    "agent_status": ["playerdesk.triage.actions.on_agent_status"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PLAYERDESK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "huey": {"level": "WARNING"}},
}
