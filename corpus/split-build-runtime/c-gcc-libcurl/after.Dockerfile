FROM debian:bookworm AS builder
RUN apt-get update && apt-get install -y build-essential libcurl4-openssl-dev
WORKDIR /work
COPY fetch.c .
RUN gcc -O2 -o fetch fetch.c -lcurl

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4 && rm -rf /var/lib/apt/lists/*
WORKDIR /work
COPY --from=builder /work/fetch /work/fetch

ENTRYPOINT ["/work/fetch"]
