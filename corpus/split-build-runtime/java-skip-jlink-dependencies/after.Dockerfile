FROM maven:3.9-eclipse-temurin-20
WORKDIR /app
COPY pom.xml .
COPY src ./src
RUN mvn -B package -DskipTests
CMD ["java", "-jar", "target/shop-0.3.0.jar"]
