FROM gradle:8.7-jdk17 AS build
WORKDIR /home/gradle/project
COPY --chown=gradle:gradle . .
RUN gradle bootJar --no-daemon

FROM gcr.io/distroless/java17-debian12
WORKDIR /app
COPY --from=build --chown=65532:65532 /home/gradle/project/build/libs/app.jar ./app.jar
USER 65532:65532
CMD ["app.jar"]
