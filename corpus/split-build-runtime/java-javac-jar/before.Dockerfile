FROM eclipse-temurin:17-jdk
WORKDIR /app
COPY src ./src
RUN mkdir -p build \
    && javac -d build $(find src -name '*.java') \
    && jar --create --file app.jar --main-class com.example.App -C build .
EXPOSE 8080
CMD ["java", "-jar", "app.jar"]
