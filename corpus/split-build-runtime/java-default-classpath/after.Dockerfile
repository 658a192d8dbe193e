FROM eclipse-temurin:21-jdk AS builder
WORKDIR /opt/greet
COPY Greet.java Names.java ./
RUN javac Greet.java Names.java

FROM eclipse-temurin:21-jre AS runtime
WORKDIR /opt/greet
COPY --from=builder /opt/greet/*.class /opt/greet/

CMD ["java", "Greet"]
