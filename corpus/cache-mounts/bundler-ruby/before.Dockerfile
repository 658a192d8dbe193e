FROM ruby:3.3-slim
RUN apt-get update -qq && apt-get install -y --no-install-recommends build-essential libpq-dev
WORKDIR /rails
COPY Gemfile Gemfile.lock ./
RUN bundle install --jobs 4
COPY . .
CMD ["bin/rails", "server"]
