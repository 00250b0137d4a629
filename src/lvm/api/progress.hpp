// Polling a long-running driver-side operation (a snapshot merge, later raid
// sync and pvmove) until it finishes, as lvm2's polldaemon does: every
// --interval seconds one check, and, when the interval is not 0, one progress
// line per check ("  vg/lv: Merged: 37.50%"). When stdout is a terminal the
// lines become one progress bar redrawn in place.
#pragma once

#include <functional>
#include <string>

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

struct PollOptions {
  unsigned interval_seconds = 15;  // lvm.conf activation/polling_interval
  bool wait_before_testing = false;  // --interval +N: sleep before the first check
  bool terminal = false;             // draw a bar instead of lines
};

// -i/--interval [+]N as lvm2 reads it; a negative one is refused.
Outcome<PollOptions> poll_options(const Cmd& c);

enum class PollState { unfinished, finished, failed };

struct PollCheck {
  PollState state = PollState::unfinished;
  double percent = 0;  // progress shown, 0..100
};

// Checks until `check` says finished (or failed: its message was printed by
// it); `name` ("vg/lv") and `title` ("Merged") make the progress lines.
Outcome<void> poll_progress(Cmd& c, const PollOptions& o, const std::string& name, const std::string& title,
                            const std::function<Outcome<PollCheck>()>& check);

// --background: a detached grandchild (its own session, stdio on /dev/null,
// a driver connection of its own) runs `poll` with quiet options; the caller
// returns at once with its locks released.
void poll_in_background(Cmd& c, const PollOptions& o, const std::function<void(const PollOptions&)>& poll);

// lvm2's dm_make_percent: numerator/denominator in millionths of a percent,
// never shown as 0 or 100 unless exactly so; and its "%.2f" display.
std::int64_t make_percent(std::uint64_t numerator, std::uint64_t denominator);
inline constexpr std::int64_t PERCENT_100 = 100'000'000;
std::string display_percent(std::int64_t percent);

}  // namespace udm::lvm::api::detail
