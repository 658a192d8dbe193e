FROM openjdk:21-jdk-slim
WORKDIR /opt/tool
COPY . .
RUN javac -d classes Main.java
ENTRYPOINT ["java", "-cp", "classes", "Main"]
