FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o /app/server .
ENV PORT=8080

FROM debian:bookworm-slim AS runtime
ENV PORT=8080
WORKDIR /app
COPY --from=builder /app/server /app/server

CMD /app/server --listen ":$PORT"
