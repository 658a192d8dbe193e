FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN go build -o /app/svc .

FROM gcr.io/distroless/base-debian12
COPY --from=builder --chown=65532:65532 /app/keep.yaml /app/keep.yaml
COPY --from=builder --chown=65532:65532 /app/svc /app/svc
USER 65532
ENTRYPOINT ["/app/svc"]
