FROM python:3.10
RUN useradd --create-home appuser
WORKDIR /home/appuser/app
COPY --chown=appuser . .
RUN pip install -r requirements.txt
USER appuser
CMD ["python", "main.py"]
