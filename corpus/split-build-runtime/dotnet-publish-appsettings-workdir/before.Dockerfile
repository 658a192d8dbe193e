FROM mcr.microsoft.com/dotnet/sdk:8.0
WORKDIR /src
COPY . .
RUN dotnet publish -c Release -o /src/dist
EXPOSE 8080
CMD ["dotnet", "dist/Storefront.dll"]
