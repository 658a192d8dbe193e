FROM ibm-semeru-runtimes:open-17-jdk-focal AS build
WORKDIR /src
COPY . .
RUN ./gradlew build -x test

FROM ibm-semeru-runtimes:open-17-jre-focal
COPY --from=build /src/build/libs/app.jar /opt/app/app.jar
CMD ["java", "-Xshareclasses", "-jar", "/opt/app/app.jar"]
