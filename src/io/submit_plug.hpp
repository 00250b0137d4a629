// Batching hint for submitters, like the kernel's blk_plug: while a
// SubmitPlug lives on a thread, requests that thread submits to io_uring
// backed devices are held back and handed to the engine together when the
// outermost plug ends: one handover and at most one wake-up per batch instead
// of one per request. Use it around a burst (all requests read from one
// socket buffer). Plugs nest; requests submitted from engine threads (in
// completion callbacks) are batched anyway and ignore plugs. Never wait for
// a request inside the plug it was submitted under: it has not gone out yet.
#pragma once

namespace udm::io {

class SubmitPlug {
 public:
  SubmitPlug();
  ~SubmitPlug();  // the outermost plug hands everything held over
  SubmitPlug(const SubmitPlug&) = delete;
  SubmitPlug& operator=(const SubmitPlug&) = delete;

  // Hands over what is held now, keeping the plug.
  static void flush();
};

}  // namespace udm::io
