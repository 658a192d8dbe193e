from golang:1.22
workdir /app
copy . .
run CGO_ENABLED=0 go build -o bin/svc .
expose 9000
cmd ["/app/bin/svc"]
