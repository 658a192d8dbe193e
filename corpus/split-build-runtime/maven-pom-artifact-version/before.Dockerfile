FROM maven:3.9-eclipse-temurin-17
WORKDIR /app
COPY pom.xml .
COPY src ./src
RUN mvn -B -DskipTests package
CMD ["java", "-jar", "target/shop-1.2.0.jar"]
