# syntax=docker/dockerfile:1
FROM golang:1.22 AS Builder
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

FROM builder AS Tests
RUN go test ./...

FROM alpine:3.20
RUN --mount=type=bind,from=Builder,source=/out,target=/mnt true
COPY --from=builder /out/app /app
ENTRYPOINT ["/app"]
