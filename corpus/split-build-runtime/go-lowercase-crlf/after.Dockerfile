from golang:1.22 as builder
workdir /app
copy . .
run CGO_ENABLED=0 go build -o bin/svc .

from gcr.io/distroless/static-debian12:nonroot as runtime
workdir /app
copy --from=builder /app/bin/svc /app/bin/svc

expose 9000
cmd ["/app/bin/svc"]
