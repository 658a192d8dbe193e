package sqlite3

/*
#include <sqlite3.h>
*/
import "C"
