FROM golang:1.22-alpine3.20
WORKDIR /go/src/app
COPY . .
RUN go build -o /usr/local/bin/relay ./cmd/relay
EXPOSE 8081
ENTRYPOINT ["relay"]
