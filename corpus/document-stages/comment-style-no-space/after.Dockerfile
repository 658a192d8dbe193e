#syntax=docker/dockerfile:1
#Global settings
ARG GO_VERSION=1.22
#build: compiles the Go binary (go build -o /app/api .)
FROM golang:${GO_VERSION} AS build
WORKDIR /app
COPY . .
#RUN go test ./...
RUN go build -o /app/api .
#stage 1: minimal image that runs api, with files from build
FROM alpine:3.20
#Certificates for outgoing TLS
RUN apk add --no-cache ca-certificates
COPY --from=build /app/api /usr/local/bin/api
CMD ["api"]
