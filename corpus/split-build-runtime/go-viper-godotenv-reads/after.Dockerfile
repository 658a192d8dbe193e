FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o /app/api .

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
WORKDIR /app
COPY --from=builder /app/api /app/api
COPY --from=builder /app/configs /app/configs
COPY --from=builder /app/.env /app/.env

EXPOSE 8080
CMD ["/app/api"]
