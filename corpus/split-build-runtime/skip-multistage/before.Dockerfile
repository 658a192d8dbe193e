FROM golang:1.22 AS build
WORKDIR /app
COPY . .
RUN go build -o app .

FROM gcr.io/distroless/base-debian12
COPY --from=build /app/app /app
CMD ["/app"]
