FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd -r -g 999 worker && useradd -r -u 999 -g worker worker
COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["worker-daemon"]
