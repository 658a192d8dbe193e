FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN go build -o server .

FROM alpine:3.20
COPY --from=builder /app /app
CMD ["/app/server"]
