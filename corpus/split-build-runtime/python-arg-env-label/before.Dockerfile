FROM python:3.11
ARG APP_ENV=prod
ENV APP_ENV=$APP_ENV
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
LABEL org.opencontainers.image.version=$APP_ENV
CMD ["python", "app.py"]
