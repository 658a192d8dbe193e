FROM python:slim
COPY requirements.txt requirements.txt
RUN pip install -r requirements.txt
COPY app app
COPY manage.py ./
RUN python manage.py collectstatic --noinput
CMD ["gunicorn", "app.wsgi"]
