FROM eclipse-temurin:20-jdk-jammy
WORKDIR /app
COPY . .
RUN ./gradlew installDist --no-daemon
EXPOSE 7070
CMD ["./build/install/app/bin/app"]
