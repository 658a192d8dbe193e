from python:3.11-alpine
workdir /code
copy --chown=10001:10001 requirements.txt .
run pip install --no-cache-dir -r requirements.txt
run addgroup -S -g 10001 app \
    && adduser -S -D -u 10001 -G app -h /home/app -s /sbin/nologin app \
    && mkdir -p /code && chown 10001:10001 /code
copy --chown=10001:10001 . .
expose 5000
user 10001:10001
cmd ["python", "main.py"]
