FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /app

COPY --chown=10001:10001 requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /app && chown 10001:10001 /app

COPY --chown=10001:10001 . .

EXPOSE 8000

USER 10001:10001
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
