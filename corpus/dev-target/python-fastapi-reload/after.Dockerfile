FROM python:3.12 AS builder
WORKDIR /code
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .

FROM builder AS development
RUN pip install --no-cache-dir -r requirements-dev.txt
EXPOSE 80
CMD ["python", "-m", "uvicorn", "app.main:app", "--reload", "--host", "0.0.0.0", "--port", "80"]

FROM python:3.12-slim AS runtime
ENV PATH="/opt/venv/bin:$PATH"
WORKDIR /code
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /code /code
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "80"]
