FROM swift:5.10

WORKDIR /app
COPY Package.swift Package.resolved ./
RUN swift package resolve

COPY . .
RUN swift build -c release

EXPOSE 8080
ENTRYPOINT ["./.build/release/App"]
CMD ["serve", "--env", "production", "--hostname", "0.0.0.0", "--port", "8080"]
