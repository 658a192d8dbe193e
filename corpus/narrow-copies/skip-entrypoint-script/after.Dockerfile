FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN go build -o server .

FROM debian:bookworm-slim
WORKDIR /app
COPY --from=builder /app /app
ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["/app/server"]
