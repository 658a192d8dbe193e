FROM mcr.microsoft.com/dotnet/sdk:8.0
WORKDIR /app
COPY ./Api .
RUN dotnet restore
RUN dotnet build
EXPOSE 8080
CMD ["dotnet", "run"]
