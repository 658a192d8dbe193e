FROM gcc:14
COPY . /usr/src/calc
WORKDIR /usr/src/calc
RUN g++ -std=c++20 -O2 -o calc main.cpp
CMD ["./calc"]
