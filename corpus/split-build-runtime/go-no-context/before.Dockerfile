FROM golang:1.21
WORKDIR /go/src/app
COPY . .
RUN go mod download && go build -o /go/bin/app
CMD ["app"]
