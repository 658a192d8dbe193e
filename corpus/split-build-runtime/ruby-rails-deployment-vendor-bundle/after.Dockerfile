FROM ruby:3.2.3 AS builder

WORKDIR /rails

COPY Gemfile Gemfile.lock ./
RUN bundle config set --local deployment 'true' && \
    bundle config set --local without 'development test' && \
    bundle install

COPY . .
RUN SECRET_KEY_BASE_DUMMY=1 bundle exec rails assets:precompile

ENV RAILS_ENV=production

FROM ruby:3.2.3-slim AS runtime
ENV RAILS_ENV=production
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
WORKDIR /rails
COPY --from=builder /usr/local/bundle /usr/local/bundle
COPY --from=builder /rails /rails

EXPOSE 3000
CMD ["bin/rails", "server", "-b", "0.0.0.0"]
