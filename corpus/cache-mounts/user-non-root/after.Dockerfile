FROM python:3.12-slim
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --create-home app
USER app
WORKDIR /home/app/src
COPY --chown=app:app requirements.txt .
RUN --mount=type=cache,target=/home/app/.cache/pip,uid=10001,gid=10001 \
    pip install --user -r requirements.txt
COPY --chown=app:app . .
CMD ["python", "-m", "app"]
