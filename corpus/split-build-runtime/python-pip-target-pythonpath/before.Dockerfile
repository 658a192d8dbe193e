FROM python:3.12
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --target /deps -r requirements.txt
ENV PYTHONPATH=/deps
COPY . .
CMD ["python", "-m", "gunicorn", "-b", "0.0.0.0:8000", "app:app"]
