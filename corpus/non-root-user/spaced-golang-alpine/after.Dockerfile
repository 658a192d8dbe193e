FROM golang:1.22-alpine

RUN apk add --no-cache git

WORKDIR /app

COPY --chown=10001:10001 . .

RUN go build -o /app/bin/api ./cmd/api

RUN addgroup -S -g 10001 app \
    && adduser -S -D -u 10001 -G app -h /home/app -s /sbin/nologin app \
    && mkdir -p /app && chown 10001:10001 /app

EXPOSE 8080

USER 10001:10001

ENTRYPOINT ["/app/bin/api"]
