FROM ruby:3.3 AS builder

RUN apt-get update -qq \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*

ENV BUNDLE_WITHOUT="development:test" \
    RACK_ENV=production

WORKDIR /usr/src/app

COPY Gemfile Gemfile.lock ./
RUN bundle install --jobs 4

COPY . .

FROM ruby:3.3-slim AS runtime
ENV BUNDLE_WITHOUT="development:test" \
    RACK_ENV=production
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
WORKDIR /usr/src/app
COPY --from=builder /usr/local/bundle /usr/local/bundle
COPY --from=builder /usr/src/app /usr/src/app

EXPOSE 9292
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
