FROM debian:bookworm AS fetch
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL -o /usr/local/bin/kubectl "https://dl.k8s.io/release/v1.30.0/bin/linux/$(dpkg --print-architecture)/kubectl" \
    && chmod +x /usr/local/bin/kubectl

FROM gcr.io/distroless/static-debian12
COPY --from=fetch /usr/local/bin/kubectl /kubectl
ENTRYPOINT ["/kubectl"]
