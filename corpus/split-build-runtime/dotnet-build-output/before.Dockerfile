FROM mcr.microsoft.com/dotnet/sdk:8.0
WORKDIR /app
COPY *.csproj ./
RUN dotnet restore
COPY . ./
RUN dotnet build -c Release -o out
WORKDIR /app/out
ENTRYPOINT ["dotnet", "Ledger.dll"]
