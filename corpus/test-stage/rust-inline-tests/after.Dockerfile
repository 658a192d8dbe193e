FROM rust:1.80 AS builder
WORKDIR /usr/src/ticker
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/src/ticker/target,sharing=locked \
    cargo build --release && cp target/release/ticker /usr/local/bin/ticker

FROM builder AS test
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/src/ticker/target,sharing=locked \
    cargo test

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=builder /usr/local/bin/ticker /usr/local/bin/ticker
CMD ["ticker"]
