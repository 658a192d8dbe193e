FROM alpine:3.20
RUN apk add --no-cache ca-certificates tzdata
RUN addgroup -S -g 10001 app \
    && adduser -S -D -u 10001 -G app -h /home/app -s /sbin/nologin app
COPY bin/relay /usr/local/bin/relay
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/relay"]
CMD ["--listen", ":9000"]
