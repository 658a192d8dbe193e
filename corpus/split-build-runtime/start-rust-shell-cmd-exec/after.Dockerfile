FROM rust:1.80 AS builder
WORKDIR /src
COPY . .
RUN cargo build --release

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
WORKDIR /src
COPY --from=builder /src/target/release/ticker /src/target/release/ticker

CMD ["./target/release/ticker", "--interval", "10"]
