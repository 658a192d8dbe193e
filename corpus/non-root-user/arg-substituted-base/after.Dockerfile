ARG PYTHON_VERSION=3.12
ARG VARIANT=alpine3.20

FROM python:${PYTHON_VERSION}-${VARIANT}
WORKDIR /app
COPY --chown=10001:10001 requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN addgroup -S -g 10001 app \
    && adduser -S -D -u 10001 -G app -h /home/app -s /sbin/nologin app \
    && mkdir -p /app && chown 10001:10001 /app
COPY --chown=10001:10001 src/ ./src/
USER 10001:10001
CMD ["python", "-m", "src.main"]
