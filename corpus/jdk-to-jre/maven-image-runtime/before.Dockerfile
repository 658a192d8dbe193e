FROM maven:3.9-eclipse-temurin-21 AS build
COPY src /home/app/src
COPY pom.xml /home/app
RUN mvn -f /home/app/pom.xml clean package

#
# Package stage
#
FROM maven:3.9-eclipse-temurin-21
COPY --from=build /home/app/target/app.jar  /usr/local/lib/app.jar
EXPOSE 8080
ENTRYPOINT ["java","-Xmx350m","-jar","/usr/local/lib/app.jar"]
