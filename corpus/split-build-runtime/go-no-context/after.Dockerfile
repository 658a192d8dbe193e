FROM golang:1.21 AS builder
WORKDIR /go/src/app
COPY . .
RUN go mod download && go build -o /go/bin/app

FROM gcr.io/distroless/base-debian12:nonroot AS runtime
WORKDIR /go/src/app
COPY --from=builder /go/bin/app /usr/local/bin/app

CMD ["app"]
