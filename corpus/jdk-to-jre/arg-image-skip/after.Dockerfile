ARG BASE_IMAGE=openjdk:17-jdk-slim
FROM ${BASE_IMAGE}
COPY target/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
