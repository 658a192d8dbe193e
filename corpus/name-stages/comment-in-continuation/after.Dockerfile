FROM --platform=$BUILDPLATFORM \
    # the toolchain image
    rust:1.77-slim-bookworm AS builder
WORKDIR /build
COPY . .
RUN cargo build --release

FROM debian:bookworm-slim AS runtime
COPY --from=builder /build/target/release/app /usr/local/bin/app
CMD ["app"]
