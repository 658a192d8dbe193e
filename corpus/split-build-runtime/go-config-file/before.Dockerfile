FROM golang:1.22
WORKDIR /srv
COPY . .
RUN CGO_ENABLED=0 go build -o api .
CMD ["./api"]
