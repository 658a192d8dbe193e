FROM ruby:3.2.3

WORKDIR /rails

COPY Gemfile Gemfile.lock ./
RUN bundle config set --local deployment 'true' && \
    bundle config set --local without 'development test' && \
    bundle install

COPY . .
RUN SECRET_KEY_BASE_DUMMY=1 bundle exec rails assets:precompile

ENV RAILS_ENV=production
EXPOSE 3000
CMD ["bin/rails", "server", "-b", "0.0.0.0"]
