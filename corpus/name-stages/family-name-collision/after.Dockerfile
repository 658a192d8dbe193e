FROM alpine:3.20 AS alpine-2
RUN wget -q -O /tmp/tool.tgz https://example.com/tool.tgz && tar -xzf /tmp/tool.tgz -C /opt

FROM golang:1.22 AS build
COPY --from=alpine-2 /opt/tool /usr/local/bin/tool
COPY . /src
RUN cd /src && go build -o /out/app .

FROM alpine AS runtime
COPY --from=build /out/app /app
CMD ["/app"]
