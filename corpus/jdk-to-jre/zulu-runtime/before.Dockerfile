FROM azul/zulu-openjdk:17 AS build
WORKDIR /src
COPY . .
RUN ./gradlew shadowJar

FROM azul/zulu-openjdk:17
COPY --from=build /src/build/libs/app-all.jar /app.jar
CMD ["java", "-jar", "/app.jar"]
