FROM rust:1.85.0-alpine3.21

RUN apk add --no-cache musl-dev

WORKDIR /usr/src/pinger
COPY . .
RUN cargo build --release

EXPOSE 9000
CMD ["./target/release/pinger"]
