FROM elixir:1.16-alpine
ENV MIX_ENV=prod
WORKDIR /app
COPY . .
RUN mix do deps.get, compile
RUN mix release --path /app/rel
CMD ["/app/rel/bin/app", "start"]
