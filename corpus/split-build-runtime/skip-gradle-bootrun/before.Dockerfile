FROM gradle:8-jdk21
WORKDIR /app
COPY . .
CMD ["gradle", "bootRun"]
