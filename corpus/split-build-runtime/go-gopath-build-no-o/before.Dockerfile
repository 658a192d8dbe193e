FROM golang:1.15-buster
ENV GO111MODULE=off
WORKDIR /go/src/github.com/acme/tool
COPY . .
RUN go build
CMD ["./tool"]
