FROM golang:1.15-buster AS builder
ENV GO111MODULE=off
WORKDIR /go/src/github.com/acme/tool
COPY . .
RUN CGO_ENABLED=0 go build

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
WORKDIR /go/src/github.com/acme/tool
COPY --from=builder /go/src/github.com/acme/tool/tool /go/src/github.com/acme/tool/tool

CMD ["./tool"]
