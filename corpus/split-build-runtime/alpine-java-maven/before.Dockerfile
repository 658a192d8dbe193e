FROM maven:3.9-eclipse-temurin-21-alpine
WORKDIR /workspace
COPY pom.xml .
COPY src src
RUN mvn -B -q package -DskipTests
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "target/inventory-0.3.1.jar"]
