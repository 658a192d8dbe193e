FROM mcr.microsoft.com/dotnet/sdk:8.0
WORKDIR /src
COPY . .
RUN dotnet publish Api/Api.csproj -c Release
ENTRYPOINT ["dotnet", "Api/bin/Release/net8.0/publish/Api.dll"]
