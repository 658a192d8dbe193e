FROM haskell:9.8-bookworm

WORKDIR /src
COPY stack.yaml stack.yaml.lock package.yaml ./
RUN stack build --system-ghc --only-dependencies

COPY . .
RUN stack build --system-ghc --copy-bins --local-bin-path /src/bin

EXPOSE 8080
CMD ["/src/bin/todo-server"]
