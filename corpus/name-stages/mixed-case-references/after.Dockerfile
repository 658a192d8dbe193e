# syntax=docker/dockerfile:1
FROM golang:1.22 AS builder
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

FROM builder AS tests
RUN go test ./...

FROM alpine:3.20 AS runtime
RUN --mount=type=bind,from=builder,source=/out,target=/mnt true
COPY --from=builder /out/app /app
ENTRYPOINT ["/app"]
