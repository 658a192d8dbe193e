FROM gcc:13 AS build
WORKDIR /build
COPY hello.c util.c util.h ./
RUN gcc -O2 -static -o hello hello.c util.c && strip hello

FROM scratch
COPY --from=build /build/hello /hello
ENTRYPOINT ["/hello"]
