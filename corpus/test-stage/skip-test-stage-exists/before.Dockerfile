FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN go build -o /app/server .

FROM builder AS test
RUN go test -v ./...

FROM gcr.io/distroless/static-debian12 AS runtime
COPY --from=builder /app/server /server
CMD ["/server"]
