from maven:3.6.0-jdk-11-slim as build
copy demo /opt/app
run mvn -f /opt/app/pom.xml clean package -DskipTests

from eclipse-temurin:11-jre
copy --from=build /opt/app/target/demo.jar /opt/app/demo.jar
expose 8080
entrypoint ["java","-jar","/opt/app/demo.jar"]