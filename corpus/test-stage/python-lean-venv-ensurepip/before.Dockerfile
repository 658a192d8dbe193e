FROM python:3.12-slim AS builder
WORKDIR /app
RUN python -m venv /opt/venv && /opt/venv/bin/python -m pip uninstall --yes setuptools
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN /opt/venv/bin/python -m pip uninstall --yes pip
COPY . .

FROM python:3.12-slim AS runtime
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
CMD ["gunicorn", "app:app"]
