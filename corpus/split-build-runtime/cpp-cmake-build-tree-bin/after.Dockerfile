FROM debian:bookworm AS builder

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*

COPY . /opt/tally
WORKDIR /opt/tally
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --parallel

FROM debian:bookworm-slim AS runtime
WORKDIR /opt/tally
COPY --from=builder /opt/tally/build/bin/tally /opt/tally/build/bin/tally

ENTRYPOINT ["/opt/tally/build/bin/tally"]
