FROM haskell:9.8-bookworm AS builder

WORKDIR /src
COPY stack.yaml stack.yaml.lock package.yaml ./
RUN stack build --system-ghc --only-dependencies

COPY . .
RUN stack build --system-ghc --copy-bins --local-bin-path /src/bin

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends libgmp10 libffi8 libnuma1 netbase ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY --from=builder /src/bin/todo-server /src/bin/todo-server

EXPOSE 8080
CMD ["/src/bin/todo-server"]
