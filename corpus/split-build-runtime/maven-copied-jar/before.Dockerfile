FROM maven:3.8-openjdk-17
WORKDIR /usr/src/app
COPY . .
RUN mvn clean package -DskipTests && cp target/*.jar /usr/src/app/app.jar
ENV JAVA_OPTS="-Xmx512m"
CMD ["java", "-jar", "/usr/src/app/app.jar"]
