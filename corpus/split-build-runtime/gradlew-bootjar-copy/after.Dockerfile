FROM eclipse-temurin:21-jdk AS builder
WORKDIR /workspace
COPY . .
RUN ./gradlew bootJar --no-daemon \
 && cp build/libs/*[!n].jar /app.jar

FROM eclipse-temurin:21-jre AS runtime
WORKDIR /workspace
COPY --from=builder /app.jar /app.jar

ENTRYPOINT ["java", "-jar", "/app.jar"]
