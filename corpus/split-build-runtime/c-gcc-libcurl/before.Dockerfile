FROM debian:bookworm
RUN apt-get update && apt-get install -y build-essential libcurl4-openssl-dev
WORKDIR /work
COPY fetch.c .
RUN gcc -O2 -o fetch fetch.c -lcurl
ENTRYPOINT ["/work/fetch"]
