FROM python:3.11-slim AS builder

RUN python -m venv /opt/venv && /opt/venv/bin/python -m pip uninstall --yes setuptools
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /code

COPY requirements.txt .
RUN pip install --upgrade pip && pip install --no-cache-dir -r requirements.txt
RUN /opt/venv/bin/python -m pip uninstall --yes pip

COPY src/ ./src/

FROM python:3.11-slim AS runtime
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /code
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /code /code

EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "src.app:app"]
