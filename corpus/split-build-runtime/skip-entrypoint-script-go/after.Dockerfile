FROM golang:1.22
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o server .
ENTRYPOINT ["./docker-entrypoint.sh"]
CMD ["./server"]
