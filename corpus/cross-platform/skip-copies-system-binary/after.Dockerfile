FROM golang:1.22-alpine AS build
RUN apk add --no-cache tini
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /bin/app .

FROM scratch
COPY --from=build /sbin/tini /tini
COPY --from=build /bin/app /app
ENTRYPOINT ["/tini", "--", "/app"]
