# deps: installs the dependencies (pip install -r requirements.txt)
FROM python:3.12 AS deps
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

# test: runs the tests (pytest -q); not in the default build (--target test)
FROM deps AS test
COPY . .
RUN pytest -q

# builder: builds the Python wheels (pip wheel --wheel-dir /wheels .)
FROM deps AS builder
COPY . .
RUN pip wheel --wheel-dir /wheels .

# runtime: minimal image that runs python -m app, with files from builder
FROM python:3.12-slim AS runtime
COPY --from=builder /wheels /wheels
RUN pip install --no-index /wheels/*.whl
CMD ["python", "-m", "app"]
