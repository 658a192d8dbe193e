FROM golang:1.22 AS builder
ENV CGO_ENABLED=0 GOOS=linux
WORKDIR /src
COPY . .
RUN go build -ldflags="-s -w" -o /usr/local/bin/api ./cmd/api

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
WORKDIR /src
COPY --from=builder /usr/local/bin/api /usr/local/bin/api

EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/api"]
