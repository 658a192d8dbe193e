FROM mcr.microsoft.com/dotnet/sdk:8.0 AS builder
WORKDIR /src
COPY . .
RUN dotnet publish Api/Api.csproj -c Release

FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS runtime
WORKDIR /src
COPY --from=builder /src/Api/bin/Release/net8.0/publish /src/Api/bin/Release/net8.0/publish

ENTRYPOINT ["dotnet", "Api/bin/Release/net8.0/publish/Api.dll"]
