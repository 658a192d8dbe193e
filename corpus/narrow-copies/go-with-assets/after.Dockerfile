FROM golang:1.22-alpine AS build
WORKDIR /src
COPY . .
RUN go build -o bin/web ./cmd/web

FROM alpine:3.20
WORKDIR /srv
COPY --from=build /src/bin/web /srv/bin/web
COPY --from=build /src/config /srv/config
COPY --from=build /src/static /srv/static
COPY --from=build /src/templates /srv/templates
CMD ["./bin/web", "-config", "config/app.yaml"]
