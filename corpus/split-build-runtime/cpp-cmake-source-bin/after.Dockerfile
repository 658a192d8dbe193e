FROM ubuntu:22.04 AS builder
RUN apt-get update && apt-get install -y g++ cmake make
COPY . /code
WORKDIR /code/build
RUN cmake .. && make
WORKDIR /code

FROM ubuntu:22.04 AS runtime
WORKDIR /code
COPY --from=builder /code/bin/wordfreq /code/bin/wordfreq

CMD ["bin/wordfreq", "--stdin"]
