FROM openjdk:17 AS build
WORKDIR /src
COPY . .
RUN ./mvnw package

FROM openjdk:17
RUN microdnf install -y fontconfig && microdnf clean all
COPY --from=build /src/target/app.jar /app.jar
CMD ["java", "-jar", "/app.jar"]
