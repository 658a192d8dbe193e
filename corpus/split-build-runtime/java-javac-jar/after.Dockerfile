FROM eclipse-temurin:17-jdk AS builder
WORKDIR /app
COPY src ./src
RUN mkdir -p build \
    && javac -d build $(find src -name '*.java') \
    && jar --create --file app.jar --main-class com.example.App -C build .

FROM eclipse-temurin:17-jre AS runtime
WORKDIR /app
COPY --from=builder /app/app.jar /app/app.jar

EXPOSE 8080
CMD ["java", "-jar", "app.jar"]
