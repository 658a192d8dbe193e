FROM golang:1.23 AS deps
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM deps AS builder
COPY . .
RUN CGO_ENABLED=0 go build -o /out/api ./cmd/api

FROM builder AS test
RUN go test ./...

# Minimal runtime
FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=builder /out/api /api
ENTRYPOINT ["/api"]
