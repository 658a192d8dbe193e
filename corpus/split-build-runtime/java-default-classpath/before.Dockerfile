FROM eclipse-temurin:21-jdk
WORKDIR /opt/greet
COPY Greet.java Names.java ./
RUN javac Greet.java Names.java
CMD ["java", "Greet"]
