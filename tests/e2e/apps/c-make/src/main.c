#include <stdio.h>
#include <stdlib.h>

#include "greet.h"

int main(int argc, char **argv) {
    const char *who = argc > 1 ? argv[1] : "world";
    char buf[256];
    greet(buf, sizeof buf, who);
    puts(buf);
    return EXIT_SUCCESS;
}
