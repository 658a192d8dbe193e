FROM python:3.12-slim

COPY requirements.txt requirements.txt
RUN pip install -r requirements.txt gunicorn

COPY app app
COPY migrations migrations
COPY blog.py config.py boot.sh ./
RUN chmod a+x boot.sh

ENV FLASK_APP blog.py
EXPOSE 5000
ENTRYPOINT ["./boot.sh"]
