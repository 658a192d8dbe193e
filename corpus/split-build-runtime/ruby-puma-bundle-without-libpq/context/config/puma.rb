port ENV.fetch("PORT", 9292)
workers 2
