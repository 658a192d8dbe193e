FROM gcc:13 AS build
WORKDIR /work/out
COPY hello.c /work
RUN gcc -O2 -static -o /work/out/hello /work/hello.c

FROM scratch
COPY --from=build /work /
ENTRYPOINT ["/out/hello"]
