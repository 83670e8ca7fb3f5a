# The image of the web, worker and beat services of docker-compose.yml.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and fonts for WeasyPrint's PDFs; gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation2 gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 solidaire
WORKDIR /app

COPY . .
RUN pip install --no-cache-dir -c constraints.txt -e . \
    && SECRET_KEY=collectstatic-only AUDIT_KEYS=build:collectstatic-only-no-entry-is-ever-signed \
       DEBUG=false python manage.py collectstatic --no-input --verbosity 0 \
    && mkdir -p /app/media /app/private /var/lib/solidaire/beat \
    && chown -R solidaire /app/media /app/private /var/lib/solidaire

USER solidaire
EXPOSE 8000
CMD ["gunicorn", "solidaire.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
