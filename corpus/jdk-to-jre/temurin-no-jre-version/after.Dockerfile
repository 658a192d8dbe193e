FROM eclipse-temurin:20-jdk AS build
WORKDIR /src
COPY . .
RUN ./gradlew installDist

FROM eclipse-temurin:20-jdk
COPY --from=build /src/build/install/app /opt/app
CMD ["/opt/app/bin/app"]
