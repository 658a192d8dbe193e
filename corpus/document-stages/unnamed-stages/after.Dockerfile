# stage 0: compiles the C sources (gcc -O2 -static -o hello hello.c)
FROM gcc:13
WORKDIR /src
COPY hello.c .
RUN gcc -O2 -static -o hello hello.c

# stage 1: minimal image that runs /hello, with files from stage 0
FROM scratch
COPY --from=0 /src/hello /hello
ENTRYPOINT ["/hello"]
