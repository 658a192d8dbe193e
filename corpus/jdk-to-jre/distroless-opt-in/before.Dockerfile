FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY . .
RUN ./gradlew --no-daemon bootJar

FROM eclipse-temurin:21-jdk
COPY --from=build /src/build/libs/app.jar /app/app.jar
USER 65532
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
