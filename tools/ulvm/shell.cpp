// lvm's interactive shell without readline: lines from stdin, split into
// words as a shell would for quotes ('a b', "a b") and backslashes.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "dispatch.hpp"

namespace ulvm {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
      else word += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

}  // namespace

int run_shell(const std::string& program) {
  bool tty = ::isatty(STDIN_FILENO);
  std::string line;
  for (;;) {
    if (tty) {
      std::fputs("lvm> ", stdout);
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) {
      std::fputs("\n", stdout);  // lvm2 ends the shell's output with a newline at end of input, tty or not
      return 0;
    }
    auto words = split_words(line);
    if (words.empty()) continue;
    if (words[0] == "exit" || words[0] == "quit") {
      std::fputs("  Exiting.\n", stderr);
      return 0;
    }
    // "lvm vgs" inside the shell is "vgs", as lvm takes it.
    if (words[0] == "lvm") words.erase(words.begin());
    if (words.empty()) continue;
    run_words(words, program, false);
  }
}

}  // namespace ulvm
