# The service in a slim image, run as an unprivileged user; it migrates its database, then serves.
# It runs as production: give it BIENTRAITANCE_SECRET_KEY and the narratives' keys, e.g.
#   -e BIENTRAITANCE_ENCRYPTION_KEY_FILE=/run/secrets/bientraitance-keys (kept out of /data).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BIENTRAITANCE_ENVIRONMENT=production \
    BIENTRAITANCE_DATABASE_URL=sqlite:////data/bientraitance.db

WORKDIR /srv/bientraitance
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install -c constraints.txt -e . \
    && useradd --system --uid 10001 --no-create-home bientraitance \
    && mkdir /data \
    && chown bientraitance /data

USER 10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["bientraitance", "serve", "--host", "0.0.0.0", "--port", "8000"]
