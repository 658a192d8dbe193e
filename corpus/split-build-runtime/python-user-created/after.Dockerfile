FROM python:3.10 AS builder
RUN useradd --create-home appuser
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /home/appuser/app
COPY --chown=appuser . .
RUN pip install -r requirements.txt

FROM python:3.10-slim AS runtime
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN useradd --create-home appuser
WORKDIR /home/appuser/app
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /home/appuser/app /home/appuser/app

USER appuser
CMD ["python", "main.py"]
