FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN go build -o /app/server .

FROM gcr.io/distroless/base-debian12 AS runtime
COPY --from=builder /app/server /server
CMD ["/server"]
