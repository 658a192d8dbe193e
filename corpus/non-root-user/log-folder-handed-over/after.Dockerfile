FROM python:3.12-slim
WORKDIR /app
COPY --chown=10001:10001 requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /app /var/log/web && chown 10001:10001 /app /var/log/web
COPY --chown=10001:10001 web web
USER 10001:10001
CMD ["gunicorn", "-b", ":8000", "web:app"]
