#ifndef C_LIB_FUZZER_H
#define C_LIB_FUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, in the toolchain's libclang_rt.fuzzer, linked by `-sanitize=fuzzer`:
/// parses libFuzzer's options from argv and runs `callback` on every input.
/// Only the fuzz build (`-D TURNOUT_FUZZING`) calls it, so the normal build never needs the symbol.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
