# builder: compiles the Go binary (go build -o app .)
from golang:1.22 as builder
workdir /app
copy . .
run go build -o app .

  # stage 1: minimal image that runs app, with files from builder
  from debian:bookworm-slim
  copy --from=builder /app/app /usr/local/bin/app
  cmd ["app"]
