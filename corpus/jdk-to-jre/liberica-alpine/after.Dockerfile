FROM bellsoft/liberica-openjdk-alpine:21 AS build
WORKDIR /src
COPY . .
RUN ./mvnw package -DskipTests

FROM bellsoft/liberica-openjre-alpine:21
COPY --from=build /src/target/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
