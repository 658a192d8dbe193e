package com.example;

final class Greeting {
    private Greeting() {}

    static String text() {
        return "hello from java-javac (java " + System.getProperty("java.version") + ")";
    }
}
