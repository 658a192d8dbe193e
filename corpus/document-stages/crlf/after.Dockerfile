# build: packages the Java application with Maven (mvn -B package -DskipTests)
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /app
COPY . .
RUN mvn -B package -DskipTests

# runtime: image that runs java -jar /app.jar, with files from build
FROM eclipse-temurin:21-jre AS runtime
COPY --from=build /app/target/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
