FROM docker.io/library/maven:3.9-eclipse-temurin-17 AS builder
WORKDIR /app
COPY pom.xml .
RUN mvn dependency:go-offline -B
COPY src ./src
RUN mvn clean package -DskipTests

FROM docker.io/library/amazoncorretto:17-alpine
RUN addgroup -g 1000 spring && adduser -D -u 1000 -G spring spring
WORKDIR /app
COPY --from=builder /app/target/*.jar app.jar
USER 1000:1000
ENTRYPOINT ["sh", "-c", "java $JAVA_OPTS -jar app.jar"]
