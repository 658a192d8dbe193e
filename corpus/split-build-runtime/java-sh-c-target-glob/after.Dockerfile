FROM maven:3.9-eclipse-temurin-17 AS builder
WORKDIR /usr/src/app
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B package -DskipTests

FROM eclipse-temurin:17-jre AS runtime
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app/target/*.jar /usr/src/app/target/

EXPOSE 8080
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar target/*.jar"]
