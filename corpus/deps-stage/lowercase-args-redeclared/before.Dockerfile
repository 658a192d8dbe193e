from golang:1.22-alpine as builder
arg GOPROXY=https://proxy.golang.org
arg VERSION=dev
workdir /src
copy go.mod go.sum ./
run go mod download
copy . .
run go build -ldflags "-X main.version=${VERSION}" -o /out/app ./cmd/app

from alpine:3.20 as runtime
copy --from=builder /out/app /usr/local/bin/app
entrypoint ["app"]
