// A fresh directory per test under the build tree, and a writer killed at a random moment.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

namespace test {
// How many times a crash test kills its writer: `ci` in the test suite, more in a longer run
// started by hand (SINKFORGE_CRASH_KILLS=1000 ./test_transport -tc='*SIGKILL*').
inline int crash_kills(int ci) {
  if (const char* v = std::getenv("SINKFORGE_CRASH_KILLS")) {
    const int n = std::atoi(v);
    if (n > 0) return n;
  }
  return ci;
}

// Whether a crash test runs round `round`: its `kills` rounds, then, while its lives have not
// got far enough (`progressed`: a host slowed by other work may spend a short life starting up),
// up to twice as many more.
inline bool crash_round(int round, int kills, bool progressed) { return round < kills || (!progressed && round < 3 * kills); }
// The time a life runs before its kill: from `least` to `least + spread` microseconds, the spread
// growing (up to 8 times) with each round past the planned ones.
template <class Rng>
unsigned crash_delay_us(Rng& rng, unsigned least, unsigned spread, int round, int kills) {
  const int stretch = round < kills ? 1 : std::min(2 + round - kills, 8);
  return least + static_cast<unsigned>(rng() % (spread * static_cast<unsigned>(stretch)));
}

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

// A fresh directory on a tmpfs of `size` (e.g. "256k"): a disk that fills. Mounting needs root,
// which the test suite has; the directory is unmounted when this goes out of scope.
class small_disk {
 public:
  small_disk(const std::string& name, const char* size) {
    ::umount2((std::filesystem::current_path() / "transport-tmp" / name).c_str(), MNT_DETACH);  // a crashed run's
    dir_ = fresh_dir(name);
    const std::string options = std::string("size=") + size;
    REQUIRE_MESSAGE(::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0,
                    "mounting a tmpfs needs root: " << std::strerror(errno));
  }
  small_disk(const small_disk&) = delete;
  small_disk& operator=(const small_disk&) = delete;
  ~small_disk() { ::umount2(dir_.c_str(), MNT_DETACH); }
  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  std::filesystem::path dir_;
};

// Runs `life()` in a forked process and kills it with SIGKILL after `delay_us`. Returns whether
// the kill ended it (a life that finished first exits 0).
template <class Life>
bool kill_life_after(unsigned delay_us, const Life& life) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    life();
    ::_exit(0);
  }
  ::usleep(delay_us);
  ::kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return WIFSIGNALED(status);
}

// Runs `child(ack_fd)` in a forked process and kills it with SIGKILL after `delay_us`. The child
// writes a T to `ack_fd` for each step that completed and must still be running when killed.
// Returns the last T it wrote, or nullopt.
template <class T, class Child>
std::optional<T> kill_after(unsigned delay_us, const Child& child) {
  int ack[2];
  REQUIRE(::pipe(ack) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ack[0]);
    child(ack[1]);
    ::_exit(0);
  }
  ::close(ack[1]);
  ::usleep(delay_us);
  ::kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE_MESSAGE(WIFSIGNALED(status), "the child stopped before it was killed, status " << WEXITSTATUS(status));
  std::optional<T> last;
  T value{};
  while (::read(ack[0], &value, sizeof value) == static_cast<ssize_t>(sizeof value)) last = value;
  ::close(ack[0]);
  return last;
}
}  // namespace test
