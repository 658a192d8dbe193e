FROM ruby:3.3-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/app
COPY --chown=10001:10001 Gemfile Gemfile.lock ./
RUN bundle install
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /srv/app && chown 10001:10001 /srv/app
COPY --chown=10001:10001 . .
EXPOSE 4567
USER 10001:10001
CMD ["ruby", "app.rb", "-o", "0.0.0.0"]
