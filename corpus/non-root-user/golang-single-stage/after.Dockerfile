FROM golang:1.22
WORKDIR /go/src/app
COPY --chown=10001:10001 go.mod go.sum ./
RUN go mod download
COPY --chown=10001:10001 . .
RUN go build -o /usr/local/bin/server ./cmd/server
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /go/src/app && chown 10001:10001 /go/src/app
EXPOSE 8080
USER 10001:10001
CMD ["server"]
