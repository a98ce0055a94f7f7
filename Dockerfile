FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 app
WORKDIR /app
COPY pyproject.toml README.md ./
COPY petition ./petition
COPY signatures ./signatures
COPY verification ./verification
RUN pip install .
COPY . .
# Static files are collected at build time; whitenoise serves them.
RUN SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py compilemessages --ignore=.venv -v 0 \
    && SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --no-input -v 0
USER app
EXPOSE 8000
CMD ["gunicorn", "petition.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
