FROM gradle:8.7-jdk17 AS builder
WORKDIR /home/gradle/project
COPY . .
RUN gradle build --no-daemon -x test

FROM eclipse-temurin:17-jre AS runtime
WORKDIR /home/gradle/project
COPY --from=builder /home/gradle/project/build/libs/demo-0.0.1-SNAPSHOT.jar /home/gradle/project/build/libs/demo-0.0.1-SNAPSHOT.jar

EXPOSE 8080
CMD ["java", "-jar", "build/libs/demo-0.0.1-SNAPSHOT.jar"]
