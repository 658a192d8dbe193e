FROM golang:1.22-alpine AS build
WORKDIR /src
COPY . .
RUN go build -o bin/web ./cmd/web

FROM alpine:3.20
WORKDIR /srv
COPY --from=build /src /srv
CMD ["./bin/web", "-config", "config/app.yaml"]
