FROM openjdk:17-jdk-slim
WORKDIR /usr/src/app
COPY . .
RUN ./gradlew shadowJar --no-daemon
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "build/libs/service-all.jar"]
