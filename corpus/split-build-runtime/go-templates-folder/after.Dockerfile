FROM golang:1.22 AS builder
WORKDIR /srv
COPY . .
RUN CGO_ENABLED=0 go build -o web .

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
WORKDIR /srv
COPY --from=builder /srv/web /srv/web
COPY --from=builder /srv/templates /srv/templates

EXPOSE 3000
CMD ["./web"]
