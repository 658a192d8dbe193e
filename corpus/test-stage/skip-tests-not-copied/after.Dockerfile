FROM maven:3.9-eclipse-temurin-21 AS builder
WORKDIR /build
COPY pom.xml .
COPY src/main ./src/main
RUN mvn -B package -DskipTests

FROM eclipse-temurin:21-jre AS runtime
COPY --from=builder /build/target/app.jar /app.jar
CMD ["java", "-jar", "/app.jar"]
