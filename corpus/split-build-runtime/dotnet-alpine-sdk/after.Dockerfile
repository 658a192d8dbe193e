FROM mcr.microsoft.com/dotnet/sdk:8.0-alpine AS builder
WORKDIR /source
COPY . .
RUN dotnet publish -c Release -o /app
WORKDIR /app

FROM mcr.microsoft.com/dotnet/aspnet:8.0-alpine AS runtime
WORKDIR /app
COPY --from=builder /app /app

EXPOSE 8080
ENTRYPOINT ["dotnet", "Api.dll"]
