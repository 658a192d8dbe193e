FROM mcr.microsoft.com/dotnet/sdk:6.0
WORKDIR /app
COPY . .
RUN dotnet build -o build
ENTRYPOINT ["dotnet", "build/Rates.dll"]
