FROM python:3.12 AS builder
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --target /deps -r requirements.txt
ENV PYTHONPATH=/deps
COPY . .

FROM python:3.12-slim AS runtime
ENV PYTHONPATH=/deps
WORKDIR /app
COPY --from=builder /deps /deps
COPY --from=builder /app /app

CMD ["python", "-m", "gunicorn", "-b", "0.0.0.0:8000", "app:app"]
