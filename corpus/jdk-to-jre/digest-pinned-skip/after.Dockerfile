FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw package

FROM eclipse-temurin:21-jdk@sha256:0d8a8bc2e2a4d7ea1ad4ba2b0e7e43b69e5e7a0b36b4c7a1c1e7a0b2ae51a5d9
COPY --from=build /src/target/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
