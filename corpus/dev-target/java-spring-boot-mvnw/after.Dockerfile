FROM eclipse-temurin:21-jdk-jammy AS builder
WORKDIR /app
COPY . .
RUN ./mvnw -B package -DskipTests

FROM builder AS development
EXPOSE 8080
CMD ["./mvnw", "spring-boot:run"]

FROM eclipse-temurin:21-jre-jammy AS runner
WORKDIR /app
COPY --from=builder /app/target/demo-0.0.1-SNAPSHOT.jar app.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "app.jar"]
