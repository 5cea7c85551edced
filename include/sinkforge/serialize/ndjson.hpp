// serialize::ndjson lives with serialize::json; this header is the name users look for.
#pragma once
#include <sinkforge/serialize/json.hpp>
