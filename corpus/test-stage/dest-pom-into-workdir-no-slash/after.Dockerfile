FROM maven:3.9-eclipse-temurin-21 AS builder
WORKDIR /build
COPY pom.xml /build
RUN mvn -B dependency:go-offline
COPY src /build/src
RUN mvn -B package -DskipTests

FROM builder AS test
RUN mvn test

FROM eclipse-temurin:21-jre AS runtime
WORKDIR /app
COPY --from=builder /build/target/greeter-1.0.0.jar /app/greeter.jar
CMD ["java", "-jar", "greeter.jar"]
