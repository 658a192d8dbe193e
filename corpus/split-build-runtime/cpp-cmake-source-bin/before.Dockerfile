FROM ubuntu:22.04
RUN apt-get update && apt-get install -y g++ cmake make
COPY . /code
WORKDIR /code/build
RUN cmake .. && make
WORKDIR /code
CMD ["bin/wordfreq", "--stdin"]
