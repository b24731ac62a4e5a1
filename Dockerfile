FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=kcity.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# The installer, then the runtime packages (gunicorn included), each from its lock, hash-checked;
# the project runs from /app.
COPY requirements/pip.txt requirements/base.txt requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/pip.txt \
    && pip install --no-cache-dir --require-hashes -r requirements/base.txt
COPY . .
RUN python scripts/collect_assets.py \
    && DJANGO_SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.db REDIS_URL=redis://localhost \
       KCITY_SITE_URL=https://build.invalid \
       python manage.py collectstatic --noinput \
    && DJANGO_SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.db REDIS_URL=redis://localhost \
       KCITY_SITE_URL=https://build.invalid \
       python manage.py compilemessages -v0
RUN useradd --create-home kcity && mkdir -p /srv/kcity/private && chown -R kcity /srv/kcity /app/var 2>/dev/null || true
USER kcity
EXPOSE 8000
CMD ["gunicorn", "kcity.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
