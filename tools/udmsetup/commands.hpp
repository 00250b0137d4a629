// udmsetup's commands: dmsetup's command table over libudm, plus `daemon`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <udm/client.hpp>

#include "options.hpp"

namespace udm::udmsetup {

struct Context {
  Switches sw;
  std::unique_ptr<client::Client> client;
  // Connects on first use (udmd is started if needed); prints dmsetup-style
  // errors and returns nullptr on failure.
  client::Client* connect();
  bool on_udmd() const;
  std::string stats_program = "udmsetup stats";  // in dmstats' usage: "udmstats" when called so
};

// The whole program minus main(): exit status 0 or 1, output on stdout and
// stderr exactly as dmsetup prints it.
int run_udmsetup(int argc, char** argv);

}  // namespace udm::udmsetup
