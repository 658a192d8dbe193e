FROM mcr.microsoft.com/dotnet/sdk:7.0
WORKDIR /src
COPY . .
RUN dotnet restore
ENTRYPOINT ["dotnet", "run", "-c", "Release"]
