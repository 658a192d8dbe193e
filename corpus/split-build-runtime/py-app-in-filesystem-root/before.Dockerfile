FROM python:3.10

ENV FLASK_APP service.py
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY api api
COPY service.py settings.py start.sh ./
RUN chmod +x start.sh

EXPOSE 5000
CMD ./start.sh
