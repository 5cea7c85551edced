// What the test programs share, precompiled once per build (SINKFORGE_TEST_PCH): doctest, the
// umbrella header and the standard headers the tests use. The library's headers are checked on
// their own by tests/headers; here only the build time matters.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include <sinkforge/sinkforge.hpp>
