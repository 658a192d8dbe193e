FROM gradle:8-jdk21
WORKDIR /home/gradle/app
COPY . .
RUN gradle installDist --no-daemon
CMD ["./build/install/app/bin/app"]
