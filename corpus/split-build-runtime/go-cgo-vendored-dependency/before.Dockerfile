FROM golang:1.22-bookworm
WORKDIR /app
COPY . .
RUN go build -mod=vendor -o /app/store .
CMD ["/app/store"]
