#include <ruby.h>

static VALUE greeting_hello(VALUE self, VALUE name) {
    return rb_sprintf("hello from %" PRIsVALUE, name);
}

void Init_greeting(void) {
    VALUE mod = rb_define_module("Greeting");
    rb_define_module_function(mod, "hello", greeting_hello, 1);
}
