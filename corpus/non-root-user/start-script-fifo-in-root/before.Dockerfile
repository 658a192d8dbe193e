FROM ubuntu:22.04
RUN apt-get update && apt-get install -y --no-install-recommends netcat-openbsd \
    && rm -rf /var/lib/apt/lists/*
COPY serve.sh /usr/local/bin/serve.sh
RUN chmod +x /usr/local/bin/serve.sh
EXPOSE 4499
CMD ["/usr/local/bin/serve.sh"]
