# builder: builds the Python wheels (pip wheel --no-cache-dir --wheel-dir ...)
FROM python:3.12 AS builder
WORKDIR /app
COPY . .
RUN pip wheel --no-cache-dir --wheel-dir /wheels --requirement requirements.txt

# worker: image that runs sh -c "celery --app=app.tasks worker ..."; not in the default build (--target worker)
FROM python:3.12-slim AS worker
COPY --from=builder /app /app
CMD ["sh", "-c", "celery --app=app.tasks worker --loglevel=info --concurrency=2"]

# runtime: minimal image that runs gunicorn --workers=4 --bind ..., with files from builder
FROM python:3.12-slim AS runtime
WORKDIR /app
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
CMD gunicorn --workers=4 --bind "0.0.0.0:$PORT" --access-logfile - app:app
