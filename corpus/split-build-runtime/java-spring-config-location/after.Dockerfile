FROM gradle:8.8-jdk21 AS builder
WORKDIR /home/gradle/project
COPY deploy/application.yml /config/application.yml
COPY build.gradle .
COPY src ./src
RUN gradle bootJar --no-daemon

FROM eclipse-temurin:21-jre AS runtime
WORKDIR /home/gradle/project
COPY --from=builder /home/gradle/project/build/libs/app.jar /home/gradle/project/build/libs/app.jar
COPY --from=builder /config/application.yml /config/application.yml

ENTRYPOINT ["java", "-jar", "build/libs/app.jar", "--spring.config.location=file:/config/application.yml"]
