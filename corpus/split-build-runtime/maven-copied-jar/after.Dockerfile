FROM maven:3.8-openjdk-17 AS builder
WORKDIR /usr/src/app
COPY . .
RUN mvn clean package -DskipTests && cp target/*.jar /usr/src/app/app.jar
ENV JAVA_OPTS="-Xmx512m"

FROM eclipse-temurin:17-jre AS runtime
ENV JAVA_OPTS="-Xmx512m"
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app/app.jar /usr/src/app/app.jar

CMD ["java", "-jar", "/usr/src/app/app.jar"]
