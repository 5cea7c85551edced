// A fresh directory per test under the build tree.
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace test {
inline std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::current_path() / "transport-tmp" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace test
