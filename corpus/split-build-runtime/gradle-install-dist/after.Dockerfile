FROM gradle:8-jdk21 AS builder
WORKDIR /home/gradle/app
COPY . .
RUN gradle installDist --no-daemon

FROM eclipse-temurin:21-jre AS runtime
WORKDIR /home/gradle/app
COPY --from=builder /home/gradle/app/build/install/app /home/gradle/app/build/install/app

CMD ["./build/install/app/bin/app"]
