// The unit that owns the precompiled header the test programs reuse (support/pch.hpp).
