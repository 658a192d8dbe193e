FROM python:3.12 AS deps
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

FROM deps AS test
COPY . .
RUN pytest -q

FROM deps AS builder
COPY . .
RUN pip wheel --wheel-dir /wheels .
FROM python:3.12-slim AS runtime
COPY --from=builder /wheels /wheels
RUN pip install --no-index /wheels/*.whl
CMD ["python", "-m", "app"]
