FROM alpine:3.20
RUN apk add --no-cache ca-certificates tzdata
COPY bin/relay /usr/local/bin/relay
ENTRYPOINT ["/usr/local/bin/relay"]
CMD ["--listen", ":9000"]
