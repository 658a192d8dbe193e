FROM rust:1.80 AS builder
WORKDIR /usr/src/app
COPY . .
RUN cargo build --release

FROM debian:bookworm-slim
COPY --from=builder /usr/src/app/target/release/web /usr/local/bin/web
CMD ["web"]
