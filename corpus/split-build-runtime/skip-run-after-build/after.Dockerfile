FROM golang:1.22
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o /app/server .
RUN curl -fsSL -o /usr/local/bin/migrate https://example.com/migrate
CMD ["/app/server"]
