FROM openjdk:20-jdk-slim-bullseye AS builder
WORKDIR /srv/clock
COPY src ./src
RUN mkdir -p classes \
    && javac -d classes $(find src -name '*.java') \
    && jar --create --file clock.jar --main-class clock.Main -C classes .
RUN jlink --add-modules "$(jdeps --ignore-missing-deps --multi-release 20 --print-module-deps /srv/clock/clock.jar)" \
    --strip-java-debug-attributes --no-header-files --no-man-pages --output /opt/java/jre

FROM debian:bullseye-slim AS runtime
ENV JAVA_HOME=/opt/java/jre PATH="/opt/java/jre/bin:$PATH"
WORKDIR /srv/clock
COPY --from=builder /opt/java/jre /opt/java/jre
COPY --from=builder /srv/clock/clock.jar /srv/clock/clock.jar

EXPOSE 9000
CMD ["java", "-jar", "clock.jar"]
