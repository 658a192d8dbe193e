FROM golang:1.22-bookworm AS builder
WORKDIR /app
COPY . .
RUN CGO_ENABLED=1 go build -o /app/bin/store ./cmd/store

FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=builder /app/bin/store /store
ENTRYPOINT ["/store"]
