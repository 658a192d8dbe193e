require "greeting/greeting"
