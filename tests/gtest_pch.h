// Precompiled for every test file (the Makefile passes it with -include): parsing GoogleTest's
// headers costs ~1.5 s per test file, more than many of the tests themselves compile in.
#include <gtest/gtest.h>
