package demo;

class GreeterTest {
}
