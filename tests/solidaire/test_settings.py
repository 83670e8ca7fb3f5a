"""The settings module, read in a fresh process as production would."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "AUDIT_KEYS": f"2026:{secrets.token_urlsafe(50)}",
    "AUDIT_ANCHOR_EMAIL": "audit@solidaire.example",
    "ALLOWED_HOSTS": "solidaire.example",
    "EMAIL_HOST": "smtp.solidaire.example",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests, never in production.
    unset = (
        "DEBUG",
        "SECRET_KEY",
        "AUDIT_KEYS",
        "AUDIT_ANCHOR_EMAIL",
        "EMAIL_HOST",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    )
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_with_debug_off_it_refuses_the_development_secret_key() -> None:
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_with_debug_off_it_refuses_the_development_audit_key() -> None:
    result = manage("check", **{**PRODUCTION, "AUDIT_KEYS": ""})
    assert result.returncode != 0
    assert "AUDIT_KEYS must be set when DEBUG is off." in result.stderr


def test_a_short_or_malformed_audit_key_is_refused_clearly() -> None:
    assert "at least 32 characters" in manage("check", AUDIT_KEYS="2026:court").stderr
    assert "distinct id" in manage("check", AUDIT_KEYS=f"a:{'x' * 32},a:{'y' * 32}").stderr


def test_production_warns_when_no_address_receives_the_daily_audit_anchor() -> None:
    result = manage("check", "--deploy", **{**PRODUCTION, "AUDIT_ANCHOR_EMAIL": ""})
    assert "solidaire.W001" in result.stderr


def test_the_deployment_checks_report_nothing_with_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_print_emails_instead_of_sending_them() -> None:
    result = manage("check", "--deploy", **{**PRODUCTION, "EMAIL_HOST": ""})
    assert "mail.E001" in result.stderr


def test_a_malformed_boolean_is_refused_clearly() -> None:
    result = manage("check", DEBUG="peut-être")
    assert "DEBUG must be a boolean" in result.stderr


def test_an_unknown_storage_backend_is_refused() -> None:
    result = manage("check", STORAGE_BACKEND="ftp")
    assert "STORAGE_BACKEND must be 'local' or 's3'." in result.stderr


def test_object_storage_keeps_private_files_private() -> None:
    code = (
        "from django.conf import settings as s;"
        "private = s.STORAGES['private']['OPTIONS'];"
        "print(private['default_acl'], private['querystring_auth'],"
        " s.STORAGES['default']['OPTIONS']['location'], s.SERVE_MEDIA)"
    )
    result = manage("shell", "-c", code, STORAGE_BACKEND="s3", S3_BUCKET="solidaire")
    assert result.stdout.split()[-4:] == ["private", "True", "public", "False"]


def test_it_refuses_an_invalid_siret_for_the_region_in_the_scdl_file() -> None:
    result = manage("check", SCDL_ATTRIBUTING_SIRET="73282932100072")
    assert result.returncode != 0
    assert "SCDL_ATTRIBUTING_SIRET is not a valid SIRET number." in result.stderr


def test_a_negative_number_of_trusted_proxies_is_refused() -> None:
    result = manage("check", TRUSTED_PROXY_COUNT="-1")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be 0 or more." in result.stderr


def settings_of(**env: str) -> subprocess.CompletedProcess:
    """Prints the broker and the cache of the settings read with `env`."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_BROKER_URL, settings.CACHES['default']['LOCATION'])"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "solidaire.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_the_cache_and_the_broker_are_separate_redis_databases_by_default() -> None:
    result = settings_of(REDIS_URL="redis://redis.example:6379/4", CACHE_URL="")
    assert result.stdout.split() == ["redis://redis.example:6379/4", "redis://redis.example:6379/5"]


def test_a_cache_url_that_is_the_broker_is_refused() -> None:
    result = settings_of(REDIS_URL="redis://redis.example:6379/0", CACHE_URL="redis://redis.example:6379/0")
    assert "CACHE_URL and REDIS_URL must be different Redis databases." in result.stderr


def test_a_mail_lease_shorter_than_the_smtp_timeout_allows_is_refused() -> None:
    result = settings_of(EMAIL_HOST="smtp.example", EMAIL_TIMEOUT="20", MAIL_LEASE_SECONDS="60")
    assert "MAIL_LEASE_SECONDS must be at least 5 times EMAIL_TIMEOUT." in result.stderr
