// An incremental reader of one control frame (abi/frame.hpp) from a
// non-blocking socket. The body grows as its bytes arrive: a header that
// declares 64 MiB costs nothing until 64 MiB are actually sent.
#pragma once

#include <cstdint>
#include <span>

#include "abi/frame.hpp"
#include "base/result.hpp"

namespace udm::daemon {

class FrameReader {
 public:
  enum class State { header, body, complete };

  // How many bytes the current frame still needs (read at most this many,
  // so bytes of a following frame stay in the socket). 0 when complete.
  std::size_t want() const;

  // Takes bytes read from the socket (at most want()). EINVAL for a bad
  // magic or a size above MAX_FRAME_SIZE, once the header is whole; the
  // header stays readable for the error reply.
  Result<void> feed(std::span<const std::uint8_t> bytes);

  State state() const { return state_; }
  bool started() const { return state_ != State::header || got_ > 0; }
  const abi::FrameHeader& header() const { return header_; }
  std::size_t buffered() const { return body_.capacity(); }

  // The complete frame's body; the reader starts over.
  abi::Bytes take_body();
  void reset();

 private:
  State state_ = State::header;
  std::uint8_t raw_[sizeof(abi::FrameHeader)] = {};
  std::size_t got_ = 0;  // header bytes so far
  abi::FrameHeader header_{};
  abi::Bytes body_;
};

}  // namespace udm::daemon
