FROM swift:5.9
ADD . /AnimalBot
WORKDIR /AnimalBot
EXPOSE 8080
RUN swift build -c release
CMD .build/release/AnimalBot
