FROM rust:1.80 AS builder
WORKDIR /usr/src/app
COPY . .
RUN cargo build --release

FROM builder AS development
EXPOSE 8000
CMD ["cargo", "run"]

FROM debian:bookworm-slim AS runtime
COPY --from=builder /usr/src/app/target/release/web /usr/local/bin/web
EXPOSE 8000
CMD ["web"]
