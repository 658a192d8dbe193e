FROM eclipse-temurin:20-jdk-jammy AS builder
WORKDIR /app
COPY . .
RUN ./gradlew installDist --no-daemon
RUN jlink --add-modules "$(jdeps --ignore-missing-deps --multi-release 20 --print-module-deps /app/build/install/app/lib/*.jar)" \
    --strip-java-debug-attributes --no-header-files --no-man-pages --output /opt/java/jre

FROM ubuntu:jammy AS runtime
ENV JAVA_HOME=/opt/java/jre PATH="/opt/java/jre/bin:$PATH"
WORKDIR /app
COPY --from=builder /opt/java/jre /opt/java/jre
COPY --from=builder /app/build/install/app /app/build/install/app

EXPOSE 7070
CMD ["./build/install/app/bin/app"]
