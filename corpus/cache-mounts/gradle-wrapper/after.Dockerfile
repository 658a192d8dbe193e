FROM eclipse-temurin:21-jdk AS build
WORKDIR /workspace
COPY gradlew settings.gradle.kts build.gradle.kts ./
COPY gradle ./gradle
RUN chmod +x ./gradlew
COPY src ./src
RUN --mount=type=cache,target=/root/.gradle/caches,sharing=locked \
    --mount=type=cache,target=/root/.gradle/wrapper,sharing=locked \
    ./gradlew --no-daemon bootJar

FROM eclipse-temurin:21-jre
COPY --from=build /workspace/build/libs/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
