FROM golang:1.22-alpine3.20 AS builder
WORKDIR /go/src/app
COPY . .
RUN go build -o /usr/local/bin/relay ./cmd/relay

FROM alpine:3.20 AS runtime
WORKDIR /go/src/app
COPY --from=builder /usr/local/bin/relay /usr/local/bin/relay

EXPOSE 8081
ENTRYPOINT ["relay"]
