FROM golang:1.22 AS builder
WORKDIR /srv
COPY . .
RUN CGO_ENABLED=0 go build -o /srv/site .

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
WORKDIR /srv
COPY --from=builder /srv/site /srv/site
COPY --from=builder /srv/public /srv/public

CMD ["/srv/site"]
