FROM eclipse-temurin:17-jdk-jammy
WORKDIR /app
COPY . .
RUN ./mvnw -q package -DskipTests
CMD java -jar target/*.jar
