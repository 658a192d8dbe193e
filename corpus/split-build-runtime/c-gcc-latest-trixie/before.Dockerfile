FROM gcc:latest

WORKDIR /srv/echo
COPY . .
RUN gcc -O2 -Wall -o echod echod.c

EXPOSE 7000
CMD ["./echod", "7000"]
