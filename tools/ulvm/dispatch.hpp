// ulvm's front end: one lvm command line (with lvm's built-ins help and
// version, and `CMD --help`), and lvm's interactive shell over it.
#pragma once

#include <string>
#include <vector>

namespace ulvm {

// Runs `words` (words[0] is the command: "lvcreate", "help", "version", ...),
// printing its output; returns lvm's exit code. `program` is "lvm" or "ulvm",
// as the user called it, for help texts.
// `exits_after`: the process ends after this command (its store need not be
// freed); the shell runs many and passes false.
int run_words(std::vector<std::string> words, const std::string& program, bool exits_after = true);

// lvm's shell: "lvm> " prompts (when stdin is a terminal), one command per
// line, `exit`/`quit` or end of input to leave. Returns 0 as lvm does.
int run_shell(const std::string& program);

}  // namespace ulvm
