FROM alpine:3.20 AS builder
RUN apk add --no-cache build-base
WORKDIR /opt/uptime
COPY uptime.c Makefile ./
RUN make

FROM alpine:3.20 AS runtime
WORKDIR /opt/uptime
COPY --from=builder /opt/uptime/uptimed /opt/uptime/uptimed

USER nobody
CMD ["/opt/uptime/uptimed"]
