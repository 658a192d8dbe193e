FROM golang:1.22
WORKDIR /go/src/app
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /usr/local/bin/server ./cmd/server
EXPOSE 8080
CMD ["server"]
