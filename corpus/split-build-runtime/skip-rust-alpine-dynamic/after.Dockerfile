FROM rust:1.80-alpine
ENV RUSTFLAGS="-C target-feature=-crt-static"
WORKDIR /app
COPY . .
RUN cargo build --release
CMD ["/app/target/release/feeder"]
