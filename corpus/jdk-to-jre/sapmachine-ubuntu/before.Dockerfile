FROM sapmachine:21-jdk-ubuntu-jammy AS build
WORKDIR /src
COPY . .
RUN ./mvnw -q package

FROM sapmachine:21-jdk-ubuntu-jammy
COPY --from=build /src/target/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
