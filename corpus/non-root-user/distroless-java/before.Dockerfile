FROM gradle:8.7-jdk17 AS build
WORKDIR /home/gradle/project
COPY --chown=gradle:gradle . .
RUN gradle bootJar --no-daemon

FROM gcr.io/distroless/java17-debian12
WORKDIR /app
COPY --from=build /home/gradle/project/build/libs/app.jar ./app.jar
CMD ["app.jar"]
