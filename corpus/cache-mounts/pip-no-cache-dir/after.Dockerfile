FROM python:3.11-slim
WORKDIR /code
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip python -m pip install --upgrade pip
RUN --mount=type=cache,target=/root/.cache/pip pip install \
        --upgrade \
        -r requirements.txt
COPY . .
CMD ["gunicorn", "app:app"]
