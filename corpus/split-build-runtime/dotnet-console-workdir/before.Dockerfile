FROM mcr.microsoft.com/dotnet/sdk:8.0
WORKDIR /src
COPY . .
RUN dotnet publish Worker.csproj -c Release -o /app/publish
WORKDIR /app/publish
ENTRYPOINT ["dotnet", "Worker.dll"]
