FROM --platform=$BUILDPLATFORM maven:3.5.0-jdk-8-alpine AS builder
ADD ./pom.xml pom.xml
ADD ./src src/
RUN mvn install -Dmaven.test.skip=true

FROM --platform=linux/amd64 \
    # the runtime image
    openjdk:8-jdk-alpine
ENV TZ=Asia/Shanghai
RUN ln -snf /usr/share/zoneinfo/$TZ /etc/localtime && echo $TZ > /etc/timezone
COPY --from=builder target/app.jar /app/app.jar
ENTRYPOINT ["sh","-c","java -server -jar -Duser.timezone=GMT+08 /app/app.jar"]
