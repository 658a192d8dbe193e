FROM alpine:3.20
RUN apk add --no-cache build-base
WORKDIR /opt/uptime
COPY uptime.c Makefile ./
RUN make
USER nobody
CMD ["/opt/uptime/uptimed"]
