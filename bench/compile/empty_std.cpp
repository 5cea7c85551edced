// Compile-time reference: the standard headers a typical TU includes anyway.
#include <chrono>
#include <string>
#include <vector>
