FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv
COPY . .
CMD ["python", "-m", "http.server", "8080"]
HEALTHCHECK --interval=30s CMD curl -fsS http://localhost:8080/ || exit 1
