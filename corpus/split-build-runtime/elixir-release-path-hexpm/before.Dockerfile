FROM hexpm/elixir:1.15.7-erlang-26.1.2-debian-bookworm-20231009-slim

RUN apt-get update -y && apt-get install -y build-essential git \
    && apt-get clean && rm -f /var/lib/apt/lists/*_*

WORKDIR /build
ENV MIX_ENV="prod"
COPY . .
RUN mix local.hex --force && mix local.rebar --force \
    && mix deps.get --only $MIX_ENV \
    && mix release --path /opt/chat

ENTRYPOINT ["/opt/chat/bin/chat"]
CMD ["start"]
