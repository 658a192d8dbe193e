FROM rust:1.80 AS builder
WORKDIR /src
COPY . .
RUN cargo install --path .

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
WORKDIR /src
COPY --from=builder /usr/local/cargo/bin/ticker /usr/local/bin/ticker

CMD ["ticker"]
