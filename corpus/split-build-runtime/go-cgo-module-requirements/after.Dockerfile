FROM golang:1.22-bookworm AS builder
WORKDIR /app
COPY . .
RUN go build -o /app/store .

FROM gcr.io/distroless/base-debian12:nonroot AS runtime
WORKDIR /app
COPY --from=builder /app/store /app/store

CMD ["/app/store"]
