FROM golang:1.22 AS builder
WORKDIR /srv
COPY . .
RUN CGO_ENABLED=0 go build -o api .

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
WORKDIR /srv
COPY --from=builder /srv/api /srv/api
COPY --from=builder /srv/config.yaml /srv/config.yaml

CMD ["./api"]
