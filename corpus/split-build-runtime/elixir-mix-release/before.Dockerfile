FROM elixir:1.16

ENV MIX_ENV=prod
WORKDIR /app

RUN mix local.hex --force && mix local.rebar --force

COPY mix.exs mix.lock ./
RUN mix deps.get --only prod && mix deps.compile

COPY config config
COPY lib lib
RUN mix release

EXPOSE 4000
CMD ["_build/prod/rel/shop_api/bin/shop_api", "start"]
