FROM rust:1
WORKDIR /usr/src/ticker
COPY . .
RUN cargo build --release
CMD ["./target/release/ticker"]
