/* bench: xorshift() compiled for the host. */
#include "xorshift_body.h"
#define BENCH_FN xorshift
#define BENCH_DEFAULT 1000000
#include "native_main.h"
