FROM gcc:14 AS builder
COPY . /usr/src/calc
WORKDIR /usr/src/calc
RUN g++ -std=c++20 -O2 -o calc main.cpp

FROM debian:trixie-slim AS runtime
WORKDIR /usr/src/calc
COPY --from=builder /usr/src/calc/calc /usr/src/calc/calc

CMD ["./calc"]
