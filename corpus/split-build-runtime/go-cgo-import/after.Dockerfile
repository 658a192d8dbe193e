FROM golang:1.22-bookworm AS builder
WORKDIR /app
COPY . .
RUN go build -o app .

FROM gcr.io/distroless/base-debian12:nonroot AS runtime
WORKDIR /app
COPY --from=builder /app/app /app/app

CMD ["./app"]
