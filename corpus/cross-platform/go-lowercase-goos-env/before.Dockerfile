from golang:1.21-alpine as builder
env CGO_ENABLED=0 GOOS=linux
workdir /go/src/app
copy . .
run go build -ldflags "-s -w" -o /go/src/app/bin/app ./main.go

from alpine:3.19
copy --from=builder /go/src/app/bin/app /usr/local/bin/app
expose 3000
entrypoint ["app"]
