FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM gcr.io/distroless/static-debian12 AS runtime
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
