FROM python:3.11 AS builder
ARG APP_ENV=prod
ENV APP_ENV=$APP_ENV
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt

FROM python:3.11-slim AS runtime
ARG APP_ENV=prod
ENV APP_ENV=$APP_ENV
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

LABEL org.opencontainers.image.version=$APP_ENV
CMD ["python", "app.py"]
