FROM rust:1.80-bookworm AS builder
WORKDIR /usr/src/app
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/usr/src/app/target,sharing=locked \
    cargo build --release --locked && cp target/release/hello /usr/local/bin/hello

FROM debian:bookworm-slim
COPY --from=builder /usr/local/bin/hello /usr/local/bin/hello
CMD ["hello"]
