FROM haskell:9.6-bullseye AS builder
WORKDIR /opt/app
COPY . .
RUN cabal update && cabal install --install-method=copy --overwrite-policy=always

FROM debian:bullseye-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends libgmp10 libffi7 libnuma1 netbase ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/app
COPY --from=builder /root/.cabal/bin/hello-api /usr/local/bin/hello-api

CMD ["hello-api"]
