FROM golang:1.22
WORKDIR /app
COPY go.mod go.sum ./
COPY cmd ./cmd
RUN go build -o /app/server ./cmd/server
CMD ["/app/server"]
