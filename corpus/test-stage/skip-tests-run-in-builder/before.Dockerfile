FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN go test ./... && CGO_ENABLED=0 go build -o /app/server .

FROM gcr.io/distroless/static-debian12 AS runtime
COPY --from=builder /app/server /server
CMD ["/server"]
