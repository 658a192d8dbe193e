#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 7000;
    printf("listening on %d\n", port);
    return 0;
}
