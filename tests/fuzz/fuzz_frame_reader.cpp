// udmd's incremental frame reader (src/daemon/frame_reader.hpp) on arbitrary
// bytes in arbitrary pieces: the first byte of the input picks the piece
// sizes. Frames are assembled, bad headers refused, never more bytes taken
// than wanted, and the buffer never far above what arrived.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "daemon/frame_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (1u << 20)) return 0;
  const std::size_t step = 1 + data[0] % 64;
  std::vector<std::uint8_t> copy(data + 1, data + size);
  udm::daemon::FrameReader r;
  std::size_t pos = 0, arrived = 0;
  while (pos < copy.size()) {
    std::size_t n = std::min<std::size_t>({step, copy.size() - pos, r.want()});
    if (n == 0) {  // complete: take it and start the next frame
      (void)r.take_body();
      arrived = 0;
      continue;
    }
    if (!r.feed({copy.data() + pos, n})) return 0;  // bad header: the connection would close
    pos += n;
    arrived += n;
    if (r.buffered() > 2 * arrived + 64) std::abort();
  }
  return 0;
}
