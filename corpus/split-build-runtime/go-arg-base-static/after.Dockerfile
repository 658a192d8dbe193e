ARG GO_VERSION=1.22
FROM golang:${GO_VERSION} AS builder
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o /app/x .

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
WORKDIR /app
COPY --from=builder /app/x /app/x

CMD ["/app/x"]
