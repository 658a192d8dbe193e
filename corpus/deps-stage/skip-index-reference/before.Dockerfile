FROM golang:1.22
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /bin/app .

FROM gcr.io/distroless/static-debian12
COPY --from=0 /bin/app /app
ENTRYPOINT ["/app"]
