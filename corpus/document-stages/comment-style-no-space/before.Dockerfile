#syntax=docker/dockerfile:1
#Global settings
ARG GO_VERSION=1.22
FROM golang:${GO_VERSION} AS build
WORKDIR /app
COPY . .
#RUN go test ./...
RUN go build -o /app/api .
FROM alpine:3.20
#Certificates for outgoing TLS
RUN apk add --no-cache ca-certificates
COPY --from=build /app/api /usr/local/bin/api
CMD ["api"]
