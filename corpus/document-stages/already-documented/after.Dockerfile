# Build the binary
FROM rust:1.79 AS builder
WORKDIR /app
COPY . .
RUN cargo build --release

# Ship it
FROM debian:bookworm-slim AS runtime
COPY --from=builder /app/target/release/app /usr/local/bin/app
CMD ["app"]
