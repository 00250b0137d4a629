#include "dispatch.hpp"

#include <cstdio>
#include <iostream>
#include <optional>

#include "lvm/api/cmdline.hpp"
#include "lvm/api/commands.hpp"

namespace ulvm {
namespace {

namespace api = udm::lvm::api;

bool known(const std::string& command) {
  for (auto n : api::command_names())
    if (n == command) return true;
  return false;
}

// -h, -?, --help anywhere before "--" asks for the command's usage.
bool asks_help(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--") return false;
    if (a == "-h" || a == "-?" || a == "--help" || a == "--longhelp") return true;
  }
  return false;
}

int print_usage(const std::string& command) {
  std::string usage = api::command_usage(command);
  std::fwrite(usage.data(), 1, usage.size(), stdout);
  return api::EXIT_OK;
}

}  // namespace

int run_words(std::vector<std::string> words, const std::string& program, bool exits_after) {
  if (words.empty()) return api::EXIT_OK;
  std::string command = words[0];
  std::vector<std::string> args(words.begin() + 1, words.end());
  if (command == "help" || command == "--help" || command == "-h") {
    if (!args.empty()) {
      int rc = api::EXIT_OK;
      for (const auto& c : args) {
        if (known(c)) {
          print_usage(c);
        } else {
          std::fprintf(stderr, "  No such command '%s'.  Try 'help'.\n", c.c_str());
          rc = api::EXIT_INVALID;
        }
      }
      return rc;
    }
    std::string text = api::commands_help(api::command_names(), program);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return api::EXIT_OK;
  }
  if (command == "--version") command = "version";
  if (known(command) && asks_help(args)) return print_usage(command);

  api::CommandIo io;
  io.process_exits_after = exits_after;
  // lvm's questions: what was said so far, then the question on stderr, then
  // a line from stdin (a pipe or a file as well as a terminal).
  io.ask = [&io](const std::string& question) -> std::optional<std::string> {
    std::fwrite(io.out.data(), 1, io.out.size(), stdout);
    std::fflush(stdout);
    std::fwrite(io.err.data(), 1, io.err.size(), stderr);
    std::fwrite(question.data(), 1, question.size(), stderr);
    std::fflush(stderr);
    io.out.clear();
    io.err.clear();
    std::string line;
    if (!std::getline(std::cin, line) && line.empty()) return std::nullopt;
    return line;
  };
  // Progress lines of a polling command (lvconvert --merge) go out as they come.
  io.flush = [&io] {
    std::fwrite(io.out.data(), 1, io.out.size(), stdout);
    std::fflush(stdout);
    std::fwrite(io.err.data(), 1, io.err.size(), stderr);
    std::fflush(stderr);
    io.out.clear();
    io.err.clear();
  };
  int rc = 0;
  try {
    rc = api::run_command(command, args, io);
  } catch (const std::exception& e) {
    io.err += std::string("  Internal error: ") + e.what() + "\n";
    rc = api::EXIT_FAILED;
  }
  std::fwrite(io.out.data(), 1, io.out.size(), stdout);
  std::fflush(stdout);
  std::fwrite(io.err.data(), 1, io.err.size(), stderr);
  std::fflush(stderr);
  return rc;
}

}  // namespace ulvm
