FROM mcr.microsoft.com/dotnet/sdk:8.0-windowsservercore-ltsc2022
WORKDIR /app
COPY . .
RUN dotnet publish -o out
ENTRYPOINT ["dotnet", "out/App.dll"]
