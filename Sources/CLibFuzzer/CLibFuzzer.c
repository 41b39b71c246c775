// A C target needs a source file; the header declares libFuzzer's driver, defined by the toolchain.
#include "CLibFuzzer.h"
