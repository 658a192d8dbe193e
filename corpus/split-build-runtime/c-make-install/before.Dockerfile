FROM gcc:12

WORKDIR /src

COPY . .
RUN make && make install PREFIX=/usr/local

CMD ["hello"]
