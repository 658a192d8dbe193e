import logging
from logging.handlers import RotatingFileHandler

from flask import Flask

app = Flask(__name__)
handler = RotatingFileHandler("/var/log/web/web.log", maxBytes=10240, backupCount=3)
app.logger.addHandler(handler)
