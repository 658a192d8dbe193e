FROM gcc:12
WORKDIR /src
COPY . .
RUN make
CMD ["./tool"]
