FROM gcc AS builder
WORKDIR /usr/src/probe
COPY probe.c util.c ./
RUN gcc -std=c11 -O2 probe.c util.c -o probe

FROM debian:trixie-slim AS runtime
WORKDIR /usr/src/probe
COPY --from=builder /usr/src/probe/probe /usr/src/probe/probe

EXPOSE 9100
CMD ["./probe", "--listen", ":9100"]
