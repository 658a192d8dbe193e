FROM ruby:3.2-alpine

RUN apk add --no-cache build-base postgresql-dev tzdata

WORKDIR /app
COPY Gemfile Gemfile.lock ./
RUN bundle config set --local without 'development test' && bundle install
COPY . .

CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
