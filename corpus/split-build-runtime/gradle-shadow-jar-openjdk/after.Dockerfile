FROM openjdk:17-jdk-slim AS builder
WORKDIR /usr/src/app
COPY . .
RUN ./gradlew shadowJar --no-daemon

FROM eclipse-temurin:17-jre AS runtime
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app/build/libs/service-all.jar /usr/src/app/build/libs/service-all.jar

EXPOSE 8080
ENTRYPOINT ["java", "-jar", "build/libs/service-all.jar"]
