FROM golang:1.22
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o /app/server .
ENV PORT=8080
CMD /app/server --listen ":$PORT"
