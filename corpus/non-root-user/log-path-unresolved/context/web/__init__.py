import logging
import os

from flask import Flask

app = Flask(__name__)
app.logger.addHandler(logging.FileHandler(os.environ.get("LOG_FILE", "/var/log/web.log")))
