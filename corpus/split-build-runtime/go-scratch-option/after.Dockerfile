FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o /out/tool ./cmd/tool

FROM scratch AS runtime
WORKDIR /app
COPY --from=builder /out/tool /out/tool

ENTRYPOINT ["/out/tool"]
