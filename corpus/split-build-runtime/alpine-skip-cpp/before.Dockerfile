FROM alpine:3.19
RUN apk add --no-cache g++ make
WORKDIR /src
COPY . .
RUN g++ -O2 -o server server.cpp
CMD ["./server"]
