# syntax=docker/dockerfile:1
FROM alpine:3.20
RUN --mount=type=cache,target=/etc/apk/cache,sharing=locked <<EOF
apk update
apk add git openssh-client
EOF
ENTRYPOINT ["git"]
