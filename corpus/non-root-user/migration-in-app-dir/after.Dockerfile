FROM python:3.12-slim
WORKDIR /srv/blog
COPY --chown=10001:10001 requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /srv/blog && chown 10001:10001 /srv/blog
COPY --chown=10001:10001 . .
USER 10001:10001
CMD ["sh", "-c", "python manage.py migrate && gunicorn -b :8000 blog.wsgi"]
