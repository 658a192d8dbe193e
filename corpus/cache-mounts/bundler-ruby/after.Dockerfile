FROM ruby:3.3-slim
# Keep downloaded packages: the apt cache mounts below reuse them
RUN rm -f /etc/apt/apt.conf.d/docker-clean; echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    apt-get update -qq && apt-get install -y --no-install-recommends build-essential libpq-dev
WORKDIR /rails
COPY Gemfile Gemfile.lock ./
RUN --mount=type=cache,target=/usr/local/bundle/cache bundle install --jobs 4
COPY . .
CMD ["bin/rails", "server"]
