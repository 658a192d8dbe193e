FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /build
COPY settings.xml /root/.m2/settings.xml
COPY pom.xml .
RUN --mount=type=cache,target=/root/.m2/repository,sharing=locked mvn -B dependency:go-offline
COPY src ./src
RUN --mount=type=cache,target=/root/.m2/repository,sharing=locked mvn -B package -DskipTests

FROM eclipse-temurin:21-jre
COPY --from=build /build/target/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
