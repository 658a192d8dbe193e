FROM rust:1.85.0-alpine3.21 AS builder

RUN apk add --no-cache musl-dev

WORKDIR /usr/src/pinger
COPY . .
RUN cargo build --release

FROM alpine:3.21 AS runtime
WORKDIR /usr/src/pinger
COPY --from=builder /usr/src/pinger/target/release/pinger /usr/src/pinger/target/release/pinger

EXPOSE 9000
CMD ["./target/release/pinger"]
