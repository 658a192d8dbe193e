FROM gradle:8-jdk17 AS build
COPY --chown=gradle:gradle . /home/gradle/src
WORKDIR /home/gradle/src
RUN gradle bootJar --no-daemon

FROM gradle:8-jdk17
COPY --from=build /home/gradle/src/build/libs/app.jar /app/app.jar
CMD ["java", "-jar", "/app/app.jar"]
