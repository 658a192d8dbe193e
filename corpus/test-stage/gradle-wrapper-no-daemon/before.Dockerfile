FROM eclipse-temurin:17-jdk AS builder
WORKDIR /workspace
COPY . .
RUN ./gradlew bootJar -x test --no-daemon

FROM eclipse-temurin:17-jre AS runtime
WORKDIR /app
COPY --from=builder /workspace/build/libs/app.jar /app/app.jar
CMD ["java", "-jar", "/app/app.jar"]
