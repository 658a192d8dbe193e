From golang:1.16 as builder
WORKDIR /app
COPY . .
RUN go build -o myapp .

From alpine:latest as runtime
WORKDIR /root/
COPY --from=builder /app/myapp .
CMD ["./myapp"]
