FROM python:3.11 AS builder
WORKDIR /app
COPY . .
RUN pip install --user -r requirements.txt

FROM python:3.11-slim AS runtime
WORKDIR /app
COPY --from=builder /root/.local /root/.local
COPY --from=builder /app /app

CMD ["python", "app.py"]
