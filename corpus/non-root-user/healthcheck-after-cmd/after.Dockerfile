FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app
WORKDIR /srv
COPY . .
USER 10001:10001
CMD ["python", "-m", "http.server", "8080"]
HEALTHCHECK --interval=30s CMD curl -fsS http://localhost:8080/ || exit 1
