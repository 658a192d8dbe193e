FROM hexpm/elixir:1.15.7-erlang-26.1.2-debian-bookworm-20231009-slim AS builder

RUN apt-get update -y && apt-get install -y build-essential git \
    && apt-get clean && rm -f /var/lib/apt/lists/*_*

WORKDIR /build
ENV MIX_ENV="prod"
COPY . .
RUN mix local.hex --force && mix local.rebar --force \
    && mix deps.get --only $MIX_ENV \
    && mix release --path /opt/chat

FROM debian:bookworm-slim AS runtime
ENV LANG=C.UTF-8 RELEASE_TMP=/tmp
RUN apt-get update && apt-get install -y --no-install-recommends libstdc++6 openssl libncurses6 ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY --from=builder /opt/chat /opt/chat

ENTRYPOINT ["/opt/chat/bin/chat"]
CMD ["start"]
