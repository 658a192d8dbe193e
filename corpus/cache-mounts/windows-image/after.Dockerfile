# escape=`
FROM mcr.microsoft.com/dotnet/sdk:8.0-windowsservercore-ltsc2022
WORKDIR C:\src
COPY . .
RUN dotnet publish -c Release -o C:\app
