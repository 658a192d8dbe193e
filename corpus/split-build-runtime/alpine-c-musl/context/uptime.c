#include <math.h>
int main(void) { return (int)floor(0.5); }
