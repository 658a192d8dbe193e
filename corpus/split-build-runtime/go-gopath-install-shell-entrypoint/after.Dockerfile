FROM golang:1.17-alpine AS builder

ADD . /go/src/github.com/acme/servants/snack
RUN cd /go/src/github.com/acme/servants/snack && CGO_ENABLED=0 go install .

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=builder /go/bin/snack /go/bin/snack
COPY --from=builder /go/src/github.com/acme/servants/snack/web /go/src/github.com/acme/servants/snack/web

ENTRYPOINT ["/go/bin/snack"]
