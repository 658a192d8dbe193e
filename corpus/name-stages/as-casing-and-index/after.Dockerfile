FROM golang:alpine AS builder
RUN mkdir /app
WORKDIR /app
COPY . /app
RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o myapp
FROM alpine AS final
COPY --from=builder /app/myapp .
CMD ["./myapp"]
