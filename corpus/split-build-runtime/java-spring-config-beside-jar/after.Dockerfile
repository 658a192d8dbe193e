FROM maven:3.9-eclipse-temurin-17 AS builder
WORKDIR /app
COPY . .
RUN mvn -B package -DskipTests
ENV SPRING_PROFILES_ACTIVE=prod

FROM eclipse-temurin:17-jre AS runtime
ENV SPRING_PROFILES_ACTIVE=prod
WORKDIR /app
COPY --from=builder /app/target/orders-1.0.0.jar /app/target/orders-1.0.0.jar
COPY --from=builder /app/application-prod.properties /app/application-prod.properties
COPY --from=builder /app/config /app/config
COPY --from=builder /app/logback-prod.xml /app/logback-prod.xml

EXPOSE 8080
ENTRYPOINT ["java", "-Dlogging.config=/app/logback-prod.xml", "-jar", "target/orders-1.0.0.jar"]
