FROM python:3.9 AS builder
WORKDIR /usr/src/app
COPY requirements.txt ./
RUN pip install --no-cache-dir --user -r requirements.txt
COPY . .

FROM python:3.9-slim
WORKDIR /usr/src/app
COPY --from=builder /root/.local /root/.local
COPY --from=builder /usr/src/app .
EXPOSE 5000
CMD ["python", "run.py"]
