FROM ruby:3.3

RUN apt-get update -qq \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*

ENV BUNDLE_WITHOUT="development:test" \
    RACK_ENV=production

WORKDIR /usr/src/app

COPY Gemfile Gemfile.lock ./
RUN bundle install --jobs 4

COPY . .

EXPOSE 9292
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
