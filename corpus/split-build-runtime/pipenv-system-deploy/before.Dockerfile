FROM python:3.11
WORKDIR /usr/src/app
COPY Pipfile Pipfile.lock ./
RUN pip install --no-cache-dir pipenv && pipenv install --system --deploy
COPY . .
CMD ["python", "./main.py"]
