import os

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    return "hello from python-flask\n"


@app.get("/healthz")
def healthz():
    return jsonify(status="ok", uid=os.getuid())


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
