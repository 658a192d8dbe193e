FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish -c Release -o /out

FROM mcr.microsoft.com/dotnet/aspnet:8.0
RUN mkdir -p /app && chown 1654:1654 /app
WORKDIR /app
COPY --from=build --chown=1654:1654 /out .
USER 1654:1654
ENTRYPOINT ["dotnet", "Api.dll"]
