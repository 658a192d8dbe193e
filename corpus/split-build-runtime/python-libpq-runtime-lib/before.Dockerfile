FROM python:3.12-bookworm
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /code
COPY . /code/
RUN pip install -r requirements.txt
CMD python manage.py runserver 0.0.0.0:8000
