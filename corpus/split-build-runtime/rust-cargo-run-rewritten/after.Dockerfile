FROM rust:1.80 AS builder
WORKDIR /usr/src/app
COPY . .
RUN cargo build --release

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app/target/release/ticker /usr/src/app/target/release/ticker

CMD ["/usr/src/app/target/release/ticker"]
