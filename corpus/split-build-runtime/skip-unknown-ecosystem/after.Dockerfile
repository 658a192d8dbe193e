FROM perl:5.38
WORKDIR /app
COPY . .
RUN cpanm --installdeps --notest .
CMD ["perl", "app.pl"]
