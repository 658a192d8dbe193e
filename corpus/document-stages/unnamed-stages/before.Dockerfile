FROM gcc:13
WORKDIR /src
COPY hello.c .
RUN gcc -O2 -static -o hello hello.c

FROM scratch
COPY --from=0 /src/hello /hello
ENTRYPOINT ["/hello"]
