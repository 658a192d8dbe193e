FROM python:3.12-slim
WORKDIR /srv/blog
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["sh", "-c", "python manage.py migrate && gunicorn -b :8000 blog.wsgi"]
