FROM rust:alpine AS builder
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked

FROM scratch AS runtime
WORKDIR /build
COPY --from=builder /build/target/release/tiny-kv /build/target/release/tiny-kv

ENTRYPOINT ["/build/target/release/tiny-kv"]
