FROM python:3.12-slim
WORKDIR /srv
COPY . .
RUN pip install poetry==1.8.3 \
 && poetry config virtualenvs.create false \
 && poetry install --no-interaction --no-ansi --without dev
EXPOSE 5000
CMD ["python", "-m", "app"]
