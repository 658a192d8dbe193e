FROM python:3.11 AS builder

RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY bashrc /root/.bashrc

WORKDIR /usr/src/app

COPY requirements.txt requirements.txt
RUN pip install -r requirements.txt

COPY app.py app.py

FROM python:3.11-slim AS runtime
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /usr/src/app
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /usr/src/app /usr/src/app
COPY --from=builder /root/.bashrc /root/.bashrc

EXPOSE 8080
CMD ["python", "app.py" ]
