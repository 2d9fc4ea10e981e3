# syntax=docker/dockerfile:1
# Sofifi API image: `docker build -t sofifi-api .`, then `docker run -p 8000:8000 sofifi-api`
# (SQLite in /app/var, migrated on start) or with -e DATABASE_URL=postgresql://... (replicas:
# run `sofifi-api migrate` once and start them with SOFIFI_MIGRATE_ON_START=false). Migrating also
# loads the official areas around Sofifi. The first API key, once:
# `docker exec <container> sofifi-api clients bootstrap-admin`.

FROM python:3.11-slim AS build
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN pip install uv==0.13.9
WORKDIR /app
# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-editable --no-install-project --python /usr/local/bin/python3
COPY README.md ./
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable --python /usr/local/bin/python3

FROM python:3.11-slim AS runtime
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    SOFIFI_MIGRATE_ON_START=true
RUN groupadd --system --gid 10001 sofifi \
    && useradd --system --uid 10001 --gid sofifi --home-dir /app --no-create-home sofifi
WORKDIR /app
COPY --from=build /app/.venv ./.venv
COPY src ./src
COPY migrations ./migrations
COPY alembic.ini ./
# var/ is the one directory the service writes to: the default SQLite database, and the
# generated secret key when SOFIFI_SECRET_KEY is unset (mount a volume there to keep them).
RUN mkdir var && chown sofifi:sofifi var
USER sofifi
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]
# WEB_CONCURRENCY sets the worker processes (default 1). On SIGTERM the server lets requests
# and exports finish for SOFIFI_SHUTDOWN_GRACE_SECONDS (30): stop with `docker stop -t 40`.
STOPSIGNAL SIGTERM
CMD ["sofifi-api", "serve"]
