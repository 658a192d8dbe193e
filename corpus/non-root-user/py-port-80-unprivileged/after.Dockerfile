FROM python:3.9-slim
WORKDIR /app
RUN pip install --no-cache-dir Flask
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /app && chown 10001:10001 /app
COPY --chown=10001:10001 rng.py .
ENV FLASK_APP=rng FLASK_RUN_HOST=:: FLASK_RUN_PORT=80
USER 10001:10001
CMD ["flask", "run", "--without-threads"]
EXPOSE 80
