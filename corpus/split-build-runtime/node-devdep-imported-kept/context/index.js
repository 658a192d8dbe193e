const config = require("./lib/config");
const express = require("express");
express().listen(config.port);
