FROM maven:3.9-eclipse-temurin-21 AS builder
WORKDIR /app
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B package -DskipTests

FROM builder AS test
RUN mvn test

FROM eclipse-temurin:21-jre AS runtime
WORKDIR /app
COPY --from=builder /app/target/orders.jar /app/orders.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/orders.jar"]
