FROM rust:1 AS builder
WORKDIR /usr/src/ticker
COPY . .
RUN cargo build --release

FROM gcr.io/distroless/cc-debian13:nonroot AS runtime
WORKDIR /usr/src/ticker
COPY --from=builder /usr/src/ticker/target/release/ticker /usr/src/ticker/target/release/ticker

CMD ["./target/release/ticker"]
