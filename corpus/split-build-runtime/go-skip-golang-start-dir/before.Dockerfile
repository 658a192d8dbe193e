FROM golang:1.21
COPY . .
RUN go build -o quotes .
CMD ["./quotes"]
