FROM gcc:12 AS builder

WORKDIR /src

COPY . .
RUN make && make install PREFIX=/usr/local

FROM debian:bookworm-slim AS runtime
WORKDIR /src
COPY --from=builder /usr/local/bin/hello /usr/local/bin/hello

CMD ["hello"]
