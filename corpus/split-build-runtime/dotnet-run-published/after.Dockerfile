FROM mcr.microsoft.com/dotnet/sdk:8.0 AS builder
WORKDIR /app
COPY ./Api .
RUN dotnet restore
RUN dotnet build
RUN dotnet publish -c Debug -o /publish

FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS runtime
WORKDIR /app
COPY --from=builder /publish /app

EXPOSE 8080
CMD ["dotnet", "Tokens.Api.dll"]
