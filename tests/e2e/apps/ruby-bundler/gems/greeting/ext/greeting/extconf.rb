require "mkmf"
create_makefile("greeting/greeting")
