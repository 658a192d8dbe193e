FROM python:3.12 AS builder
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /srv/web
COPY requirements.txt requirements.txt
RUN pip3 install -r requirements.txt
ENV FLASK_APP=app.py
ENV FLASK_RUN_HOST=0.0.0.0
COPY . .

FROM python:3.12-slim AS runtime
ENV FLASK_APP=app.py
ENV FLASK_RUN_HOST=0.0.0.0
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /srv/web
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /srv/web /srv/web

EXPOSE 5000
CMD [ "flask", "run"]
