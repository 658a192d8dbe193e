FROM gcc
WORKDIR /usr/src/probe
COPY probe.c util.c ./
RUN gcc -std=c11 -O2 probe.c util.c -o probe
EXPOSE 9100
CMD ["./probe", "--listen", ":9100"]
