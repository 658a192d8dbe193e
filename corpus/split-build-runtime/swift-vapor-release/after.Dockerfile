FROM swift:5.10 AS builder

WORKDIR /app
COPY Package.swift Package.resolved ./
RUN swift package resolve

COPY . .
RUN swift build -c release

FROM swift:5.10-slim AS runtime
WORKDIR /app
COPY --from=builder /app/.build/release/App /app/.build/release/App
COPY --from=builder /app/Public /app/Public

EXPOSE 8080
ENTRYPOINT ["./.build/release/App"]
CMD ["serve", "--env", "production", "--hostname", "0.0.0.0", "--port", "8080"]
