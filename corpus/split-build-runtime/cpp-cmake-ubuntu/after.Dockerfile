FROM ubuntu:22.04 AS builder
RUN apt-get update && apt-get install -y g++ cmake make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN mkdir build && cd build && cmake .. && make

FROM ubuntu:22.04 AS runtime
WORKDIR /app
COPY --from=builder /app/build/app /app/build/app

CMD ["./build/app"]
