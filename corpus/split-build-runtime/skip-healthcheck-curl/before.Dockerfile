FROM golang:1.22
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o server .
HEALTHCHECK CMD curl -f http://localhost:8080/health || exit 1
CMD ["./server"]
