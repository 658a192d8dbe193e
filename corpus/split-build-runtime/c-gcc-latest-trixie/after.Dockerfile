FROM gcc:latest AS builder

WORKDIR /srv/echo
COPY . .
RUN gcc -O2 -Wall -o echod echod.c

FROM debian:trixie-slim AS runtime
WORKDIR /srv/echo
COPY --from=builder /srv/echo/echod /srv/echo/echod

EXPOSE 7000
CMD ["./echod", "7000"]
