ARG GO_VERSION=1.22
FROM golang:${GO_VERSION}
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o /app/x .
CMD ["/app/x"]
