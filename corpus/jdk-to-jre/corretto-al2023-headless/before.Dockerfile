FROM maven:3.9-amazoncorretto-21-al2023 AS build
WORKDIR /src
COPY . .
RUN mvn -B clean install -DskipTests

FROM amazoncorretto:21-al2023
WORKDIR /app
COPY --from=build /src/target/app.jar /app/app.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
