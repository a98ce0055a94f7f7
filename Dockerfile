# Two stages: the build stage installs the project into a virtualenv, compiles
# the message catalogues and collects the static files (hashed and compressed
# for whitenoise); the runtime stage copies the results and runs as a user
# without privileges. No compiler, no gettext and no pip cache in the image.
FROM python:3.13-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
COPY petition ./petition
COPY signatures ./signatures
COPY verification ./verification
# EXTRAS=errors adds the error tracker's SDK (SENTRY_DSN): docker compose build --build-arg EXTRAS=errors
ARG EXTRAS=""
RUN pip install ".${EXTRAS:+[$EXTRAS]}"
COPY . .
# The settings need a key and a database to load; neither is used by these commands.
RUN export SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        REDIS_URL=redis://build-only:6379/0 \
    && python manage.py compilemessages --ignore=.venv -v 0 \
    && python manage.py collectstatic --no-input -v 0


FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
RUN useradd --create-home --uid 1000 app \
    && mkdir -p /var/lib/celery-beat /var/lib/petition/evidence /var/lib/petition/dossiers \
    && chown app:app /var/lib/celery-beat /var/lib/petition/evidence /var/lib/petition/dossiers
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
# Nothing in /app is writable by the app: the only writable places are the
# beat schedule's and the evidence files' and the
# dossiers' volumes (and /tmp).
USER app
EXPOSE 8000
# gunicorn.conf.py: gthread workers from WEB_CONCURRENCY, JSON access log without IPs.
CMD ["gunicorn"]
