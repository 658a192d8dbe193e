FROM maven:3.9-eclipse-temurin-17
WORKDIR /usr/src/app
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B package -DskipTests
EXPOSE 8080
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar target/*.jar"]
