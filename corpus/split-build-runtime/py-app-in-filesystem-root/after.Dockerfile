FROM python:3.10 AS builder

ENV FLASK_APP service.py
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY api api
COPY service.py settings.py start.sh ./
RUN chmod +x start.sh

FROM python:3.10-slim AS runtime
ENV FLASK_APP service.py
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /requirements.txt /requirements.txt
COPY --from=builder /api /api
COPY --from=builder /service.py /service.py
COPY --from=builder /settings.py /settings.py
COPY --from=builder /start.sh /start.sh

EXPOSE 5000
CMD ./start.sh
