# A plain-Ruby HTTP server (no Rack, no WEBrick: RubyGems is not reachable from the e2e
# builds) answering with the greeting of the `greeting` gem's C extension.
require "bundler/setup"
require "socket"
require "greeting"

port = Integer(ENV.fetch("PORT", "4567"))
server = TCPServer.new("0.0.0.0", port)
$stdout.puts "listening on #{port}"
$stdout.flush
loop do
  client = server.accept
  while (line = client.gets) && line != "\r\n"
  end
  body = "#{Greeting.hello("ruby-bundler")}\n"
  client.write "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" \
               "Content-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}"
  client.close
end
