FROM python:3.12-slim-bookworm
WORKDIR /app

# System libraries for psycopg
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpq5 \
        curl \
    && rm -rf /var/lib/apt/lists/*

COPY . .
CMD ["python", "app.py"]
