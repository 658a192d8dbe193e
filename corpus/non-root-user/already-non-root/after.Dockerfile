FROM python:3.12-slim
RUN useradd --create-home --uid 1001 appuser
WORKDIR /home/appuser/app
COPY --chown=appuser:appuser . .
USER appuser
CMD ["python", "bot.py"]
