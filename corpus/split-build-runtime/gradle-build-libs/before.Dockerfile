FROM gradle:8.7-jdk17
WORKDIR /home/gradle/project
COPY . .
RUN gradle build --no-daemon -x test
EXPOSE 8080
CMD ["java", "-jar", "build/libs/demo-0.0.1-SNAPSHOT.jar"]
