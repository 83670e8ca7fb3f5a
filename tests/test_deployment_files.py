"""docker-compose.yml cannot be started on the CI machines (no Docker engine): check its shape."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_stack_has_the_five_services(compose) -> None:
    assert set(compose["services"]) == {"db", "redis", "web", "worker", "beat"}


def test_every_service_has_a_health_check(compose) -> None:
    assert all("test" in service["healthcheck"] for service in compose["services"].values())


def test_the_web_runs_under_gunicorn_after_migrating(compose) -> None:
    command = " ".join(compose["services"]["web"]["command"])
    assert "manage.py migrate" in command
    assert "gunicorn solidaire.wsgi" in command


def test_the_worker_and_beat_run_celery(compose) -> None:
    assert compose["services"]["worker"]["command"][:4] == ["celery", "-A", "solidaire", "worker"]
    assert compose["services"]["beat"]["command"][:4] == ["celery", "-A", "solidaire", "beat"]


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_the_application_waits_for_healthy_services_and_reads_its_environment(compose, name) -> None:
    service = compose["services"][name]
    assert service["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert service["environment"]["DATABASE_URL"].startswith("postgres://")
    assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert service["environment"]["DEBUG"] == "false"


def test_uploaded_files_are_on_volumes_shared_by_web_and_workers(compose) -> None:
    for name in ("web", "worker", "beat"):
        assert {"media:/app/media", "private:/app/private"} <= set(compose["services"][name]["volumes"])


def test_beat_keeps_its_schedule_on_a_volume_outside_the_temporary_folder(compose) -> None:
    beat = compose["services"]["beat"]
    schedule = beat["environment"]["CELERY_BEAT_SCHEDULE_FILE"]
    folder = schedule.rsplit("/", 1)[0]
    assert f"beat:{folder}" in beat["volumes"]
    assert not schedule.startswith("/tmp/") and "--schedule" not in beat["command"]  # noqa: S108


def test_the_image_installs_what_weasyprint_needs(compose) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "libpango-1.0-0" in dockerfile
    assert "collectstatic" in dockerfile


def test_the_health_endpoint_answers(client, db) -> None:
    assert client.get("/healthz").content == b"ok"
