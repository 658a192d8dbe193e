FROM golang:1.17-alpine

ADD . /go/src/github.com/acme/servants/snack
RUN cd /go/src/github.com/acme/servants/snack && go install .

ENTRYPOINT /go/bin/snack
