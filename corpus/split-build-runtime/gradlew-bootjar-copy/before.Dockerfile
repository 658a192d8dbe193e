FROM eclipse-temurin:21-jdk
WORKDIR /workspace
COPY . .
RUN ./gradlew bootJar --no-daemon \
 && cp build/libs/*[!n].jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
