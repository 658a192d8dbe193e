Gem::Specification.new do |spec|
  spec.name = "greeting"
  spec.version = "0.1.0"
  spec.summary = "Greets in C: a native extension built by bundle install"
  spec.authors = ["msb-migrate e2e"]
  spec.files = ["lib/greeting.rb", "ext/greeting/extconf.rb", "ext/greeting/greeting.c"]
  spec.extensions = ["ext/greeting/extconf.rb"]
  spec.require_paths = ["lib"]
end
