FROM openjdk:21-jdk-slim AS builder
WORKDIR /opt/tool
COPY . .
RUN javac -d classes Main.java

FROM eclipse-temurin:21-jre AS runtime
WORKDIR /opt/tool
COPY --from=builder /opt/tool/classes /opt/tool/classes

ENTRYPOINT ["java", "-cp", "classes", "Main"]
