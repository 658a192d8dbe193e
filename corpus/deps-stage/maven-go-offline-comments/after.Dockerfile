# Multi-stage build
# Stage 1: build
FROM docker.io/library/maven:3.9-eclipse-temurin-17 AS deps

# Set working directory
WORKDIR /app

# Copy POM and download dependencies (cached layer)
COPY pom.xml .
RUN mvn dependency:go-offline -B

FROM deps AS builder
# Copy source code
COPY src ./src

# Build application
RUN mvn clean package -DskipTests

# Stage 2: runtime
FROM docker.io/library/eclipse-temurin:17-jre-alpine
WORKDIR /app
COPY --from=builder /app/target/*.jar app.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "app.jar"]
