FROM maven:3.9-eclipse-temurin-17 AS builder
WORKDIR /app
COPY pom.xml .
COPY src ./src
RUN mvn -B -DskipTests package

FROM eclipse-temurin:17-jre AS runtime
WORKDIR /app
COPY --from=builder /app/target/shop-1.2.0.jar /app/target/shop-1.2.0.jar

CMD ["java", "-jar", "target/shop-1.2.0.jar"]
