#include "daemon/frame_reader.hpp"

#include <algorithm>
#include <cstring>

namespace udm::daemon {

std::size_t FrameReader::want() const {
  switch (state_) {
    case State::header: return sizeof raw_ - got_;
    case State::body: return header_.size - body_.size();
    case State::complete: return 0;
  }
  return 0;
}

Result<void> FrameReader::feed(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > want())
    return fail(EINVAL, "control frame: " + std::to_string(bytes.size()) + " bytes fed, " +
                            std::to_string(want()) + " wanted");
  if (state_ == State::header) {
    std::memcpy(raw_ + got_, bytes.data(), bytes.size());
    got_ += bytes.size();
    if (got_ < sizeof raw_) return {};
    std::memcpy(&header_, raw_, sizeof header_);
    if (auto r = abi::check_frame_header(header_); !r) return r;
    state_ = header_.size == 0 ? State::complete : State::body;
    return {};
  }
  if (state_ != State::body) return {};
  // Grow with what arrived (at most twice that), never to the declared size.
  const std::size_t need = body_.size() + bytes.size();
  if (need > body_.capacity())
    body_.reserve(std::min<std::size_t>(header_.size, std::max(need, 2 * body_.capacity())));
  body_.insert(body_.end(), bytes.begin(), bytes.end());
  if (body_.size() == header_.size) state_ = State::complete;
  return {};
}

abi::Bytes FrameReader::take_body() {
  abi::Bytes out = std::move(body_);
  reset();
  return out;
}

void FrameReader::reset() {
  state_ = State::header;
  got_ = 0;
  header_ = {};
  body_ = {};
}

}  // namespace udm::daemon
