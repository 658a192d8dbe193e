FROM debian:bookworm
RUN apt-get update && apt-get install -y build-essential cmake
WORKDIR /app
COPY . .
RUN cmake -B build && cmake --build build
CMD ["./build/app"]
