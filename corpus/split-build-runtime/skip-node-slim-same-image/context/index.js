import express from "express";
express().listen(process.env.PORT || 8080);
