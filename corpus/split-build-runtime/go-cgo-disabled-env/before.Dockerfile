FROM golang:1.22
ENV CGO_ENABLED=0 GOOS=linux
WORKDIR /src
COPY . .
RUN go build -ldflags="-s -w" -o /usr/local/bin/api ./cmd/api
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/api"]
