FROM golang:1.22-alpine

RUN apk add --no-cache git

WORKDIR /app

COPY . .

RUN go build -o /app/bin/api ./cmd/api

EXPOSE 8080

ENTRYPOINT ["/app/bin/api"]
