const char *greet(void) { return "hi"; }
