FROM ubuntu:24.04
RUN apt-get update && apt-get install -y build-essential cmake && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -B out && cmake --build out
CMD ["./out/greeter"]
