FROM gradle:8.8-jdk21
WORKDIR /home/gradle/project
COPY deploy/application.yml /config/application.yml
COPY build.gradle .
COPY src ./src
RUN gradle bootJar --no-daemon
ENTRYPOINT ["java", "-jar", "build/libs/app.jar", "--spring.config.location=file:/config/application.yml"]
