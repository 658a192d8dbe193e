FROM golang:1.22
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o /app/server .
CMD /app/server > /var/log/server.log 2>&1
