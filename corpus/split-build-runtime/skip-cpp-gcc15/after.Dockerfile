FROM gcc:15.2.0
WORKDIR /build
COPY . .
RUN g++ -O2 -o ranker ranker.cc
ENTRYPOINT ["/build/ranker"]
