FROM golang:1.23 AS build
ENV GOPATH=/workspace GOCACHE=/var/cache/go-build
WORKDIR /workspace/src/app
COPY . .
RUN --mount=type=cache,target=/workspace/pkg/mod \
    --mount=type=cache,target=/var/cache/go-build \
    go build -o /usr/local/bin/app .

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/app /usr/local/bin/app
CMD ["app"]
