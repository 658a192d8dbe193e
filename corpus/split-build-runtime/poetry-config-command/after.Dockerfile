FROM python:3.12-slim AS builder
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /srv
COPY . .
RUN pip install poetry==1.8.3 \
 && poetry config virtualenvs.create false \
 && poetry install --no-interaction --no-ansi --without dev
RUN /opt/venv/bin/python -m pip uninstall --yes pip

FROM python:3.12-slim AS runtime
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /srv
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /srv /srv

EXPOSE 5000
CMD ["python", "-m", "app"]
