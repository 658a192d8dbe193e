FROM rust:1.80
WORKDIR /src
COPY . .
RUN cargo build --release
CMD ./target/release/ticker --interval $INTERVAL
