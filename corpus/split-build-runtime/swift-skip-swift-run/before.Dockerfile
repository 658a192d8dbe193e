FROM swift:5.10
WORKDIR /app
COPY . .
RUN swift build
CMD ["swift", "run"]
