FROM rust:1.79-bookworm AS builder
WORKDIR /usr/src/app
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked

FROM debian:bookworm-slim
COPY --from=builder /usr/src/app /usr/src/app
CMD ["/usr/src/app/target/release/app"]
