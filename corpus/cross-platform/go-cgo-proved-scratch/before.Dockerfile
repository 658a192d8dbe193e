# Build
FROM golang:1.23-alpine AS build
WORKDIR /app
COPY . .
RUN go build -o /app/bin/server .

# Run
FROM scratch AS runtime
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /app/bin/server /server
USER 65532:65532
ENTRYPOINT ["/server"]
