FROM rust:alpine
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked
ENTRYPOINT ["/build/target/release/tiny-kv"]
