FROM mcr.microsoft.com/dotnet/sdk:8.0 AS builder
WORKDIR /src
COPY . .
RUN dotnet publish Worker.csproj -c Release -o /app/publish
WORKDIR /app/publish

FROM mcr.microsoft.com/dotnet/runtime:8.0 AS runtime
WORKDIR /app/publish
COPY --from=builder /app/publish /app/publish

ENTRYPOINT ["dotnet", "Worker.dll"]
