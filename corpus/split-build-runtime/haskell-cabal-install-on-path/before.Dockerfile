FROM haskell:9.6-bullseye
WORKDIR /opt/app
COPY . .
RUN cabal update && cabal install --install-method=copy --overwrite-policy=always
CMD ["hello-api"]
