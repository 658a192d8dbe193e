FROM golang:1.23-alpine AS builder
WORKDIR /app
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /bin/api .

FROM builder AS development
RUN go install github.com/air-verse/air@v1.61.7
EXPOSE 8080
CMD ["air", "-c", ".air.toml"]

FROM alpine:3.20 AS production
COPY --from=builder /bin/api /bin/api
EXPOSE 8080
ENTRYPOINT ["/bin/api"]
