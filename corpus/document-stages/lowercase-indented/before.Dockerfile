from golang:1.22 as builder
workdir /app
copy . .
run go build -o app .

  from debian:bookworm-slim
  copy --from=builder /app/app /usr/local/bin/app
  cmd ["app"]
