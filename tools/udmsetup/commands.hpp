// udmsetup's commands: dmsetup's command table over libudm, plus `daemon`.
#pragma once

#include <memory>
#include <optional>
#include <utility>
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
  std::string stats_program = "udmsetup stats";
  // Every device with its deps, read once per command for the *_using_dev fields.
  std::optional<std::vector<std::pair<client::NameEntry, std::vector<client::DevNumber>>>> all_deps;  // in dmstats' usage: "udmstats" when called so
};

// The whole program minus main(): exit status 0 or 1, output on stdout and
// stderr exactly as dmsetup prints it.
int run_udmsetup(int argc, char** argv);

}  // namespace udm::udmsetup
