FROM maven:3.9-eclipse-temurin-21 AS builder
WORKDIR /build
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B package -DskipTests

FROM eclipse-temurin:21-jre AS runtime
WORKDIR /build
COPY --from=builder /build/target/orders.jar /build/target/orders.jar

EXPOSE 8080
ENTRYPOINT ["java", "-jar", "target/orders.jar"]
