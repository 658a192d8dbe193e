FROM --platform=$BUILDPLATFORM \
    # the toolchain image
    rust:1.77-slim-bookworm
WORKDIR /build
COPY . .
RUN cargo build --release

FROM debian:bookworm-slim
COPY --from=0 /build/target/release/app /usr/local/bin/app
CMD ["app"]
