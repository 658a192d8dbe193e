# syntax=docker/dockerfile:1
FROM golang:1.22-alpine
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM golang:1.22-alpine AS build
WORKDIR /src
RUN --mount=type=bind,from=0,source=/go/pkg/mod,target=/go/pkg/mod \
    --mount=type=bind,target=. \
    CGO_ENABLED=0 go build -o /out/server ./cmd/server

FROM alpine:3.20
COPY --from=build /out/server /usr/local/bin/server
ENTRYPOINT ["server"]
