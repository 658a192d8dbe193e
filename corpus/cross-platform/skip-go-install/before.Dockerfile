FROM golang:1.22-alpine AS build
ENV CGO_ENABLED=0
WORKDIR /src
COPY . .
RUN go install ./cmd/worker

FROM alpine:3.20
COPY --from=build /go/bin/worker /usr/local/bin/worker
ENTRYPOINT ["worker"]
