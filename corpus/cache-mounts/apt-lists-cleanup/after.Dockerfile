FROM python:3.12-slim-bookworm
WORKDIR /app

# Keep downloaded packages: the apt cache mounts below reuse them
RUN rm -f /etc/apt/apt.conf.d/docker-clean; echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
# System libraries for psycopg
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    apt-get update \
    && apt-get install -y --no-install-recommends \
        libpq5 \
        curl

COPY . .
CMD ["python", "app.py"]
