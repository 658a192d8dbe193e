FROM python:3.9 AS builder
WORKDIR /usr/src/app
COPY requirements.txt ./
RUN pip install --no-cache-dir --user -r requirements.txt
COPY . .

FROM builder AS development
ENV FLASK_APP=run:server FLASK_DEBUG=1
EXPOSE 5000
CMD ["python", "-m", "flask", "run", "--host", "0.0.0.0", "--port", "5000"]

FROM python:3.9-slim AS production
WORKDIR /usr/src/app
COPY --from=builder /root/.local /root/.local
COPY --from=builder /usr/src/app .
EXPOSE 5000
CMD ["python", "run.py"]
