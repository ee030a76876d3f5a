/* bench: spin() compiled for the host. */
#include "spin_body.h"
#define BENCH_FN spin
#define BENCH_DEFAULT 2000000
#include "native_main.h"
