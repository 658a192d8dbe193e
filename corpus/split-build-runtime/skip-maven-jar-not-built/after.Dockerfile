FROM maven:3.9-eclipse-temurin-17
WORKDIR /app
COPY . .
RUN mvn -B -DskipTests package
CMD ["java", "-jar", "target/shop.jar"]
