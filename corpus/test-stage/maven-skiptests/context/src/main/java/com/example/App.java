package com.example;
class App {}
