FROM gradle:8.8-jdk21 AS build
WORKDIR /home/gradle/src
COPY . .
RUN gradle bootJar --no-daemon -Pversion=$(git describe --tags)

FROM eclipse-temurin:21-jre
COPY --from=build /home/gradle/src/build/libs/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
