FROM maven:3.9-eclipse-temurin-21-alpine AS builder
WORKDIR /workspace
COPY pom.xml .
COPY src src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:21-jre-alpine AS runtime
WORKDIR /workspace
COPY --from=builder /workspace/target/inventory-0.3.1.jar /workspace/target/inventory-0.3.1.jar

EXPOSE 8080
ENTRYPOINT ["java", "-jar", "target/inventory-0.3.1.jar"]
