#include <stdio.h>

#include "greet.h"

void greet(char *buf, size_t len, const char *who) {
    snprintf(buf, len, "hello from c-make, %s", who);
}
