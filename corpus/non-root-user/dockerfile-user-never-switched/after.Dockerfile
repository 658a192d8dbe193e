FROM python:3.12-slim
RUN groupadd --gid 1500 web \
    && useradd --uid 1500 --gid web --create-home web
WORKDIR /srv/web
COPY --chown=web:web . .
RUN pip install --no-cache-dir -r requirements.txt
RUN mkdir -p /srv/web && chown 1500:1500 /srv/web
USER 1500:1500
CMD ["python", "serve.py"]
