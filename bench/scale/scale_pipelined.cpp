// The same devices as scale_driver.c, made by a client that pipelines
// (client::run_pipelined): create, load and resume of CHUNK devices in
// flight at once, then removed the same way. Prints one JSON object.
//   udm-bench-scale-pipelined RUNDIR COUNT [PREFIX]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <udm/client.hpp>

using namespace udm::client;

namespace {

constexpr long CHUNK = 512;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// udmd's user + system CPU seconds ($UDM_SCALE_PID), or 0.
double daemon_cpu() {
  const char* pid = std::getenv("UDM_SCALE_PID");
  if (!pid) return 0;
  std::ifstream f(std::string("/proc/") + pid + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto p = s.rfind(')');
  if (p == std::string::npos) return 0;
  std::istringstream in(s.substr(p + 2));
  std::string field;
  unsigned long v[15] = {};
  for (int i = 0; i < 13 && in >> field; ++i) v[i] = std::strtoul(field.c_str(), nullptr, 10);
  return double(v[11] + v[12]) / double(::sysconf(_SC_CLK_TCK));
}

std::string name_of(const std::string& prefix, long i) {
  char b[64];
  std::snprintf(b, sizeof b, "%s%06ld", prefix.c_str(), i);
  return b;
}

bool run_chunk(std::vector<Task>& tasks) {
  std::vector<Task*> p;
  for (auto& t : tasks) p.push_back(&t);
  auto r = run_pipelined(p);
  for (std::size_t k = 0; k < r.size(); ++k)
    if (!r[k]) {
      std::fprintf(stderr, "%s\n", r[k].error().message.c_str());
      return false;
    }
  tasks.clear();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s RUNDIR COUNT [PREFIX]\n", argv[0]);
    return 2;
  }
  ConnectOptions o;
  o.kind = ConnectOptions::Kind::udmd;
  o.rundir = argv[1];
  o.autostart = false;
  const long n = std::strtol(argv[2], nullptr, 10);
  const std::string prefix = argc > 3 ? argv[3] : "q";
  auto c = Client::connect(o);
  if (!c) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    return 1;
  }
  Client& client = **c;
  std::vector<Task> tasks;
  const double c0 = daemon_cpu(), t0 = now();
  for (long i = 0; i < n; ++i) {
    const std::string name = name_of(prefix, i);
    tasks.emplace_back(client, TaskType::create).set_name(name);
    tasks.emplace_back(client, TaskType::reload).set_name(name).add_target({0, 2048, "zero", ""});
    tasks.emplace_back(client, TaskType::resume).set_name(name);
    if ((i + 1) % CHUNK == 0 || i + 1 == n)
      if (!run_chunk(tasks)) return 1;
  }
  const double t1 = now(), c1 = daemon_cpu();
  for (long i = 0; i < n; ++i) {
    tasks.emplace_back(client, TaskType::remove).set_name(name_of(prefix, i));
    if ((i + 1) % CHUNK == 0 || i + 1 == n)
      if (!run_chunk(tasks)) return 1;
  }
  const double t2 = now(), c2 = daemon_cpu();
  std::printf("{\"devices\": %ld, \"create_s\": %.4f, \"remove_s\": %.4f, \"udmd_cpu_create_s\": %.3f, "
              "\"udmd_cpu_remove_s\": %.3f}\n",
              n, t1 - t0, t2 - t1, c1 - c0, c2 - c1);
  return 0;
}
