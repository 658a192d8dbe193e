ARG PYTHON_VERSION=3.12
ARG VARIANT=alpine3.20

FROM python:${PYTHON_VERSION}-${VARIANT}
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY src/ ./src/
CMD ["python", "-m", "src.main"]
