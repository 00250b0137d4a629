#include "lvm/api/progress.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <thread>

namespace udm::lvm::api::detail {

Outcome<PollOptions> poll_options(const Cmd& c) {
  PollOptions o;
  o.terminal = isatty(STDOUT_FILENO) == 1;
  auto i = c.cl().get("interval");
  if (!i) return o;
  std::string_view t = *i;
  if (t.starts_with('-')) return failed("Argument to --interval cannot be negative.", EXIT_INVALID);
  if (t.starts_with('+')) {
    o.wait_before_testing = true;
    t.remove_prefix(1);
  }
  unsigned v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size())
    return failed(fmt::format("Invalid argument for --interval: {}", *i), EXIT_INVALID);
  o.interval_seconds = v;
  return o;
}

std::int64_t make_percent(std::uint64_t numerator, std::uint64_t denominator) {
  if (denominator == 0 || numerator == denominator) return PERCENT_100;
  if (numerator == 0) return 0;
  auto p = static_cast<std::int64_t>(static_cast<double>(PERCENT_100) *
                                     (static_cast<double>(numerator) / static_cast<double>(denominator)));
  if (p == PERCENT_100) return PERCENT_100 - 1;
  if (p == 0) return 1;
  return p;
}

std::string display_percent(std::int64_t percent) {
  return fmt::format("{:.2f}", static_cast<double>(percent) / 1'000'000.0);
}

namespace {

std::string bar(double percent, unsigned width) {
  const auto done = static_cast<unsigned>(percent / 100.0 * width + 0.5);
  std::string s = "[";
  for (unsigned k = 0; k < width; ++k) s += k < done ? '#' : '-';
  return s + "]";
}

}  // namespace

Outcome<void> poll_progress(Cmd& c, const PollOptions& o, const std::string& name, const std::string& title,
                            const std::function<Outcome<PollCheck>()>& check) {
  const bool display = o.interval_seconds != 0;
  bool wait = o.wait_before_testing;
  bool drew = false;
  for (;;) {
    if (wait) std::this_thread::sleep_for(std::chrono::seconds(o.interval_seconds));
    wait = true;
    auto r = check();
    if (!r) {
      if (drew) c.say_raw("\n");
      return std::unexpected(r.error());
    }
    if (r->state == PollState::failed) {
      if (drew) c.say_raw("\n");
      return failed("");
    }
    const std::string pct = fmt::format("{:.2f}", r->percent);
    if (display) {
      if (o.terminal) {
        c.say_raw(fmt::format("\r  {}: {}: {} {:>6}%", name, title, bar(r->percent, 30), pct));
        drew = true;
      } else {
        c.say(fmt::format("{}: {}: {}%", name, title, pct));
      }
      c.flush();
    }
    if (r->state == PollState::finished) {
      if (drew) c.say_raw("\n");
      return {};
    }
    // A 0 interval still waits a little between checks (lvm2 waits for an event).
    if (o.interval_seconds == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      wait = false;
    }
  }
}

void poll_in_background(Cmd& c, const PollOptions& o, const std::function<void(const PollOptions&)>& poll) {
  c.release_locks();
  c.flush();
  const pid_t pid = fork();
  if (pid != 0) {
    if (pid > 0) {
      // Reap the intermediate child; the grandchild polls on its own.
      int st = 0;
      (void)waitpid(pid, &st, 0);
    }
    return;
  }
  // The grandchild polls, detached from the terminal and the caller, on a
  // connection of its own (the caller goes on using the one it has).
  if (fork() != 0) _exit(0);
  setsid();
  c.forget_driver();
  const int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) close(null);
  }
  PollOptions quiet = o;
  quiet.terminal = false;
  if (quiet.interval_seconds == 0) quiet.interval_seconds = 1;
  poll(quiet);
  _exit(0);
}

}  // namespace udm::lvm::api::detail
