# Production image for the web and worker services of docker-compose.yml.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY registry ./registry
COPY linkage ./linkage
COPY api ./api
COPY audit ./audit
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY manage.py ./
# collectstatic reads the settings, which refuse to load without their keys: throwaway values
# for this one command (not kept in the image; the containers get theirs from the environment).
RUN pip install --no-cache-dir . && \
    DJANGO_SECRET_KEY=collectstatic-only AUDIT_HEAD_KEY=collectstatic-only \
    python manage.py collectstatic --noinput
RUN useradd --system --home /app registry && chown -R registry /app
USER registry
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
