FROM registry.example.com/platform/go-builder:3 AS builder
WORKDIR /app
COPY . .
RUN go build -o server .

FROM alpine:3.20
COPY --from=builder /app /app
CMD ["/app/server"]
