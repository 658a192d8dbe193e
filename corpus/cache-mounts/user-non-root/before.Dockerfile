FROM python:3.12-slim
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --create-home app
USER app
WORKDIR /home/app/src
COPY --chown=app:app requirements.txt .
RUN pip install --user -r requirements.txt
COPY --chown=app:app . .
CMD ["python", "-m", "app"]
