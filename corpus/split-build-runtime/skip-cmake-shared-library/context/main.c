const char *greet(void);
int main(void) { return greet()[0] != 0x68; }
