FROM openjdk:20-jdk-slim-bullseye
WORKDIR /srv/clock
COPY src ./src
RUN mkdir -p classes \
    && javac -d classes $(find src -name '*.java') \
    && jar --create --file clock.jar --main-class clock.Main -C classes .
EXPOSE 9000
CMD ["java", "-jar", "clock.jar"]
