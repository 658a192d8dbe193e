from python:3.11-alpine
workdir /code
copy requirements.txt .
run pip install --no-cache-dir -r requirements.txt
copy . .
expose 5000
cmd ["python", "main.py"]
