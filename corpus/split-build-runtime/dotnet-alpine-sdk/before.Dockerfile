FROM mcr.microsoft.com/dotnet/sdk:8.0-alpine
WORKDIR /source
COPY . .
RUN dotnet publish -c Release -o /app
WORKDIR /app
EXPOSE 8080
ENTRYPOINT ["dotnet", "Api.dll"]
