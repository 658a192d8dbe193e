# builder: compiles the Go binary (go build -o /out/server ./cmd/server)
FROM golang:1.22 AS builder
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server

# runtime: minimal image that runs /server, with files from builder
FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=builder /out/server /server
ENTRYPOINT ["/server"]
