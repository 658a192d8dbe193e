FROM debian:bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*

COPY . /opt/tally
WORKDIR /opt/tally
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --parallel

ENTRYPOINT ["/opt/tally/build/bin/tally"]
