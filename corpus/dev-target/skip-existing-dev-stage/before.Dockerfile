FROM golang:1.18-alpine AS builder
WORKDIR /code
ENV CGO_ENABLED 0
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o bin/backend main.go
CMD ["/code/bin/backend"]

FROM builder as dev-envs
RUN apk add --no-cache git
CMD ["go", "run", "main.go"]

FROM scratch
COPY --from=builder /code/bin/backend /usr/local/bin/backend
CMD ["/usr/local/bin/backend"]
