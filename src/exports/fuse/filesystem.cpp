#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 14)
#include "exports/fuse/filesystem.hpp"

#include <fuse3/fuse_lowlevel.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <linux/falloc.h>
#include <linux/fuse.h>
#include <optional>
#include <set>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "core/sync_io.hpp"
#include "exports/aligned_buffer.hpp"
#include "exports/fuse/device_tree.hpp"
#include "io/inline_writes.hpp"

namespace udm::exports::fuse {

namespace {

constexpr double ENTRY_TIMEOUT = 1.0;  // seconds; refresh() also invalidates explicitly
// From this size on, copying a write costs more than holding a worker thread.
constexpr byte_count IN_PLACE_WRITE_MIN = 128 << 10;
// Requests the kernel keeps in flight to us for asynchronous I/O (see op_init).
constexpr unsigned MAX_BACKGROUND = 128;

// Unaligned reads and writes are widened to the device's logical block
// (its limits(): 512, or 4096 over a 4Kn disk), a power of two.
byte_count block_of(const core::MappedDevice& device) { return device.limits().logical_block_size; }
constexpr bool aligned(byte_count v, byte_count block) { return v % block == 0; }
constexpr byte_count round_down(byte_count v, byte_count block) { return v / block * block; }
constexpr byte_count round_up(byte_count v, byte_count block) { return (v + block - 1) / block * block; }

struct OpenFile {
  core::MappedDevicePtr device;
};

OpenFile* open_file(fuse_file_info* fi) { return reinterpret_cast<OpenFile*>(fi->fh); }

// Waits for one request on the calling thread (large and unaligned writes).
using core::SyncRequest;

// Mount point's connection id (the minor of st_dev), from /proc/self/mountinfo
// so the possibly hung filesystem itself is never touched.
std::optional<unsigned> fuse_connection_id(const std::string& mountpoint) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::optional<unsigned> found;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string id, parent, devno, root, point;
    words >> id >> parent >> devno >> root >> point;
    if (point != mountpoint) continue;
    auto colon = devno.find(':');
    if (colon == std::string::npos) continue;
    unsigned minor = 0;
    auto [end, ec] = std::from_chars(devno.data() + colon + 1, devno.data() + devno.size(), minor);
    if (ec == std::errc() && end == devno.data() + devno.size()) found = minor;  // the last mount wins
  }
  return found;
}

void abort_connection(unsigned id) {
  ::mkdir("/sys/fs/fuse/connections", 0755);
  std::string path = "/sys/fs/fuse/connections/" + std::to_string(id) + "/abort";
  if (::access(path.c_str(), F_OK) != 0)
    ::mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, nullptr);
  std::ofstream(path) << "1";
}

}  // namespace

struct Filesystem::Impl {
  std::shared_mutex tree_lock;
  DeviceTree tree;

  std::mutex state_lock;  // session lifetime vs. notifications
  fuse_session* session = nullptr;
  std::string mountpoint;
  bool mounted = false;
  bool stopping = false;
  std::thread loop;

  std::mutex unaligned_lock;  // read-modify-write of partial logical blocks
  std::atomic<std::int64_t> ops_in_flight{0};
  timespec mount_time{};
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  bool group_access = false;

  // One asynchronous request answered from its completion.
  struct IoOp {
    enum class Reply { data, written, status };
    io::Request io;
    fuse_req_t req = nullptr;
    Impl* fs = nullptr;
    Reply reply = Reply::status;
    AlignedBuffer buffer;
    std::size_t skip = 0;    // data: bytes of the aligned read before the reply
    std::size_t count = 0;   // data: bytes to reply; written: bytes written
  };

  // Finished ops (with their buffers) are kept for reuse: no allocation or
  // page faults per request once warm.
  std::mutex pool_lock;
  std::vector<IoOp*> pool;
  static constexpr std::size_t POOL_LIMIT = 64;

  IoOp* take_op(fuse_req_t req) {
    IoOp* op = nullptr;
    {
      std::lock_guard g(pool_lock);
      if (!pool.empty()) {
        op = pool.back();
        pool.pop_back();
      }
    }
    if (!op) op = new IoOp;
    op->io = io::Request{};
    op->req = req;
    op->reply = IoOp::Reply::status;
    op->skip = op->count = 0;
    return op;
  }

  void give_op(IoOp* op) {
    {
      std::lock_guard g(pool_lock);
      if (pool.size() < POOL_LIMIT) {
        pool.push_back(op);
        return;
      }
    }
    delete op;
  }

  // Files open through this mount. A session that ends while files are open
  // (a lazy unmount, udmd stopping) gets no release for them: close them here
  // so the devices' open counts drop.
  std::mutex files_lock;
  std::set<OpenFile*> files;

  OpenFile* add_file(core::MappedDevicePtr device) {
    auto* f = new OpenFile{std::move(device)};
    std::lock_guard g(files_lock);
    files.insert(f);
    return f;
  }

  void drop_file(OpenFile* f) {
    {
      std::lock_guard g(files_lock);
      files.erase(f);
    }
    f->device->close();
    delete f;
  }

  ~Impl() {
    for (IoOp* op : pool) delete op;
    for (OpenFile* f : files) {
      f->device->close();
      delete f;
    }
  }

  static void io_done(io::Request* r, int result) {
    auto* op = static_cast<IoOp*>(r->context);
    if (result < 0)
      fuse_reply_err(op->req, -result);
    else if (op->reply == IoOp::Reply::data)
      fuse_reply_buf(op->req, reinterpret_cast<const char*>(op->buffer.data()) + op->skip, op->count);
    else if (op->reply == IoOp::Reply::written)
      fuse_reply_write(op->req, op->count);
    else
      fuse_reply_err(op->req, 0);
    Impl* fs = op->fs;
    fs->give_op(op);
    fs->ops_in_flight.fetch_sub(1, std::memory_order_release);
  }

  void submit(IoOp* op, core::MappedDevice& device) {
    op->fs = this;
    op->io.context = op;
    op->io.done = &io_done;
    ops_in_flight.fetch_add(1, std::memory_order_relaxed);
    device.submit(&op->io);
  }

  void fill_attr(const TreeNode& node, struct stat& st) const {
    st = {};
    st.st_ino = node.ino;
    st.st_atim = st.st_mtim = st.st_ctim = mount_time;
    st.st_uid = uid;
    st.st_gid = gid;
    if (node.directory) {
      st.st_mode = S_IFDIR | (group_access ? 0750 : 0700);
      st.st_nlink = 2;
      return;
    }
    const mode_t owner = node.device->read_only() ? 0400 : 0600;
    st.st_mode = S_IFREG | owner | (group_access ? owner >> 3 : 0);
    st.st_nlink = 1;
    st.st_size = static_cast<off_t>(node.device->size());
    // What stat's %o and cp/dd use as their I/O size.
    const io::DeviceLimits limits = node.device->limits();
    st.st_blksize = static_cast<blksize_t>(std::max(limits.physical_block_size, limits.io_opt));
    st.st_blocks = static_cast<blkcnt_t>(node.device->size() / 512);
  }

  // Invalidates the kernel's cached entries and sizes named by `diff`, one
  // entry at a time. Sent without the tree lock: the kernel may be waiting on
  // a lookup that needs it.
  void notify(const DeviceTree::Diff& diff) {
    if (diff.entries.empty() && diff.inodes.empty()) return;
    std::lock_guard g(state_lock);
    if (!mounted) return;
    for (const auto& [parent, name] : diff.entries)
      fuse_lowlevel_notify_inval_entry(session, parent, name.c_str(), name.size());
    for (Ino ino : diff.inodes) fuse_lowlevel_notify_inval_inode(session, ino, 0, 0);
  }

  static Impl* self(fuse_req_t req) { return static_cast<Impl*>(fuse_req_userdata(req)); }

  // ---- operations ----

  static void op_init(void*, fuse_conn_info* conn) {
    if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
    // Asynchronous direct I/O (io_uring, libaio on the file) reaches us as
    // background requests, which the kernel caps at max_background (12 by
    // default): a queue depth of 32 would wait in the kernel, not here.
    conn->max_background = MAX_BACKGROUND;
    conn->congestion_threshold = MAX_BACKGROUND * 3 / 4;
  }

  static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    Impl* fs = self(req);
    fuse_entry_param e{};
    {
      std::shared_lock l(fs->tree_lock);
      const TreeNode* node = fs->tree.child(parent, name);
      if (!node) {
        l.unlock();
        fuse_reply_err(req, ENOENT);
        return;
      }
      e.ino = node->ino;
      fs->fill_attr(*node, e.attr);
    }
    e.attr_timeout = e.entry_timeout = ENTRY_TIMEOUT;
    fuse_reply_entry(req, &e);
  }

  static void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
    Impl* fs = self(req);
    struct stat st;
    {
      std::shared_lock l(fs->tree_lock);
      const TreeNode* node = fs->tree.find(ino);
      if (!node) {
        l.unlock();
        fuse_reply_err(req, ENOENT);
        return;
      }
      fs->fill_attr(*node, st);
    }
    fuse_reply_attr(req, &st, ENTRY_TIMEOUT);
  }

  // Devices cannot change size, owner or mode through the file; timestamps
  // are accepted and ignored (loop with writeback_cache sends them on fsync).
  static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info*) {
    Impl* fs = self(req);
    struct stat st;
    int error = 0;
    {
      std::shared_lock l(fs->tree_lock);
      const TreeNode* node = fs->tree.find(ino);
      if (!node) {
        error = ENOENT;
      } else {
        fs->fill_attr(*node, st);
        if ((to_set & FUSE_SET_ATTR_SIZE) && (node->directory || attr->st_size != st.st_size))
          error = node->directory ? EISDIR : EINVAL;
        else if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
          error = EPERM;
      }
    }
    if (error)
      fuse_reply_err(req, error);
    else
      fuse_reply_attr(req, &st, ENTRY_TIMEOUT);
  }

  // Offsets are the directory's cookies (FIRST_COOKIE on; 1 and 2 are "."
  // and ".."): each call starts at its offset in O(log n) and reads only as
  // many entries as fit, so listing n devices costs O(n log n), not O(n^2).
  static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info*) {
    Impl* fs = self(req);
    std::vector<char> buffer(size);
    std::size_t used = 0;
    auto add = [&](const char* name, Ino entry_ino, bool directory, std::uint64_t next) {
      struct stat st{};
      st.st_ino = entry_ino;
      st.st_mode = directory ? S_IFDIR : S_IFREG;
      std::size_t n = fuse_add_direntry(req, buffer.data() + used, size - used, name, &st, static_cast<off_t>(next));
      if (n > size - used) return false;
      used += n;
      return true;
    };
    {
      std::shared_lock l(fs->tree_lock);
      const TreeNode* dir = fs->tree.find(ino);
      if (!dir || !dir->directory) {
        l.unlock();
        fuse_reply_err(req, dir ? ENOTDIR : ENOENT);
        return;
      }
      const auto from = static_cast<std::uint64_t>(std::max<off_t>(offset, 0));
      bool room = true;
      if (from < 1) room = add(".", dir->ino, true, 1);
      if (room && from < 2) room = add("..", dir->parent, true, 2);
      for (auto it = dir->listing.lower_bound(std::max(from, FIRST_COOKIE)); room && it != dir->listing.end(); ++it) {
        const TreeNode* child = fs->tree.find(it->second);
        if (!child) continue;
        room = add(child->name.c_str(), child->ino, child->directory, it->first + 1);
      }
    }
    fuse_reply_buf(req, buffer.data(), used);
  }

  static void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    Impl* fs = self(req);
    core::MappedDevicePtr device;
    {
      std::shared_lock l(fs->tree_lock);
      const TreeNode* node = fs->tree.find(ino);
      if (node && !node->directory) device = node->device;
      else if (node) {
        l.unlock();
        fuse_reply_err(req, EISDIR);
        return;
      }
    }
    if (!device) {
      fuse_reply_err(req, ENOENT);
      return;
    }
    if ((fi->flags & O_ACCMODE) != O_RDONLY && device->read_only()) {
      fuse_reply_err(req, EROFS);
      return;
    }
    device->open();
    auto* file = fs->add_file(std::move(device));
    // No page cache (FOPEN_DIRECT_IO): every export sees the same bytes at
    // once. FOPEN_PARALLEL_DIRECT_WRITES lets the kernel send writes to one
    // file concurrently instead of one at a time under the inode lock; a
    // device has no size to extend, so nothing needs that lock. libfuse 3.14
    // has no field for the flag, so the reply is built here: it is the same
    // fuse_open_out that fuse_reply_open() would send.
    fuse_open_out reply{};
    reply.fh = reinterpret_cast<std::uint64_t>(file);
    reply.open_flags = FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES;
    // fs outlives req, which is gone once replied to
    if (fuse_reply_buf(req, reinterpret_cast<const char*>(&reply), sizeof reply) == -ENOENT)
      fs->drop_file(file);  // the open was interrupted: no release will come
  }

  static void op_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    self(req)->drop_file(open_file(fi));
    fuse_reply_err(req, 0);
  }

  static void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
    Impl* fs = self(req);
    core::MappedDevice& device = *open_file(fi)->device;
    const byte_count device_size = device.size();
    const auto offset = static_cast<byte_count>(off);
    if (offset >= device_size || size == 0) {
      fuse_reply_buf(req, nullptr, 0);
      return;
    }
    const byte_count block = block_of(device);
    const byte_count end = std::min<byte_count>(offset + size, device_size);
    const byte_count start = round_down(offset, block);
    const byte_count aligned_end = std::min(round_up(end, block), device_size);
    auto* op = fs->take_op(req);
    if (!op->buffer.grow(aligned_end - start)) {
      fs->give_op(op);
      fuse_reply_err(req, ENOMEM);
      return;
    }
    op->reply = IoOp::Reply::data;
    op->skip = offset - start;
    op->count = end - offset;
    op->io.op = io::Op::read;
    op->io.offset = start;
    op->io.length = aligned_end - start;
    op->io.data = op->buffer.data();
    // A read the page cache holds is served and answered right here
    // (RWF_NOWAIT), not handed to the I/O engine and back.
    io::InlineWrites inline_here(op->io.length);
    fs->submit(op, device);
  }

  static void op_write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
    Impl* fs = self(req);
    core::MappedDevice& device = *open_file(fi)->device;
    if (device.read_only()) {
      fuse_reply_err(req, EROFS);
      return;
    }
    const byte_count device_size = device.size();
    const auto offset = static_cast<byte_count>(off);
    if (size == 0) {
      fuse_reply_write(req, 0);
      return;
    }
    if (offset >= device_size) {
      fuse_reply_err(req, ENOSPC);
      return;
    }
    const byte_count count = std::min<byte_count>(size, device_size - offset);
    const byte_count block = block_of(device);
    if (aligned(offset, block) && aligned(count, block) && (count < IN_PLACE_WRITE_MIN || device.holds_io())) {
      // Small aligned writes are copied and answered from their completion:
      // the worker thread moves on. So are writes to a suspended device, so
      // that it holds no worker thread until resume.
      auto* op = fs->take_op(req);
      if (!op->buffer.grow(count)) {
        fs->give_op(op);
        fuse_reply_err(req, ENOMEM);
        return;
      }
      std::memcpy(op->buffer.data(), buf, count);  // libfuse reuses `buf` once we return
      op->reply = IoOp::Reply::written;
      op->count = count;
      op->io.op = io::Op::write;
      op->io.offset = offset;
      op->io.length = count;
      op->io.data = op->buffer.data();
      fs->submit(op, device);
      return;
    }
    if (int r = fs->write_in_place(device, block, reinterpret_cast<const std::byte*>(buf), offset, count); r < 0)
      fuse_reply_err(req, -r);
    else
      fuse_reply_write(req, count);
  }

  // Large or unaligned writes, on the worker thread: the whole sectors
  // straight from libfuse's buffer (no copy; buffered file writes run right
  // here under InlineWrites, no hand-over), partial sectors at either end by
  // read-modify-write. Writers whose user buffer is not page aligned get
  // their writes split by the kernel at odd byte counts (1 MiB - 16 and 16),
  // so partial sectors are common. Buffers need no alignment: devices opened
  // by the core never use O_DIRECT.
  int write_in_place(core::MappedDevice& device, byte_count block, const std::byte* data, byte_count offset,
                     byte_count count) {
    const byte_count end = offset + count;
    const byte_count whole_start = std::min(round_up(offset, block), end);
    const byte_count whole_end = std::max(round_down(end, block), whole_start);
    if (whole_end > whole_start) {
      io::InlineWrites inline_here(whole_end - whole_start);
      SyncRequest wr;
      wr.io.op = io::Op::write;
      wr.io.offset = whole_start;
      wr.io.length = whole_end - whole_start;
      wr.io.data = const_cast<std::byte*>(data + (whole_start - offset));
      if (int r = wr.run(device); r < 0) return r;
    }
    if (offset < whole_start)
      if (int r = patch_blocks(device, block, data, offset, whole_start - offset); r < 0) return r;
    if (whole_end < end)
      if (int r = patch_blocks(device, block, data + (whole_end - offset), whole_end, end - whole_end); r < 0)
        return r;
    return 0;
  }

  // Read, patch, write back the logical blocks around [offset, offset +
  // count), one patch at a time so that two patches of one block never
  // interleave.
  int patch_blocks(core::MappedDevice& device, byte_count block, const std::byte* data, byte_count offset,
                   byte_count count) {
    std::lock_guard g(unaligned_lock);
    const byte_count start = round_down(offset, block);
    // Device sizes are whole sectors, not always whole blocks (a 512-byte
    // target after a 4 KiB one).
    const byte_count end = std::min(round_up(offset + count, block), device.size());
    AlignedBuffer buffer;
    if (!buffer.grow(end - start)) return -ENOMEM;
    io::InlineWrites inline_here(end - start);  // cached reads and the write run here
    SyncRequest rd;
    rd.io.op = io::Op::read;
    rd.io.offset = start;
    rd.io.length = end - start;
    rd.io.data = buffer.data();
    if (int r = rd.run(device); r < 0) return r;
    std::memcpy(buffer.data() + (offset - start), data, count);
    SyncRequest wr;
    wr.io.op = io::Op::write;
    wr.io.offset = start;
    wr.io.length = end - start;
    wr.io.data = buffer.data();
    return wr.run(device);
  }

  static void flush_device(fuse_req_t req, fuse_file_info* fi) {
    Impl* fs = self(req);
    auto* op = fs->take_op(req);
    op->io.op = io::Op::flush;
    fs->submit(op, *open_file(fi)->device);
  }

  static void op_flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) { flush_device(req, fi); }
  static void op_fsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info* fi) { flush_device(req, fi); }

  // PUNCH_HOLE -> discard (the aligned interior), ZERO_RANGE -> write_zeroes,
  // plain allocation -> nothing to do inside the device.
  static void op_fallocate(fuse_req_t req, fuse_ino_t, int mode, off_t off, off_t len, fuse_file_info* fi) {
    Impl* fs = self(req);
    core::MappedDevice& device = *open_file(fi)->device;
    const byte_count device_size = device.size();
    const auto offset = static_cast<byte_count>(off);
    const auto length = static_cast<byte_count>(len);
    const int known = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE;
    if (mode & ~known) {
      fuse_reply_err(req, EOPNOTSUPP);
      return;
    }
    if (device.read_only()) {
      fuse_reply_err(req, EROFS);
      return;
    }
    if (!(mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))) {
      bool fits = offset <= device_size && device_size - offset >= length;
      fuse_reply_err(req, fits || (mode & FALLOC_FL_KEEP_SIZE) ? 0 : ENOSPC);
      return;
    }
    const byte_count end = std::min(offset + length, device_size);
    byte_count start = offset, stop = end;
    const byte_count block = block_of(device);
    if (mode & FALLOC_FL_PUNCH_HOLE) {
      start = round_up(offset, block);
      stop = round_down(end, block);
    } else if (!aligned(offset, block) || !aligned(end, block)) {
      fuse_reply_err(req, EINVAL);
      return;
    }
    if (offset >= device_size || stop <= start) {
      fuse_reply_err(req, 0);
      return;
    }
    auto* op = fs->take_op(req);
    op->io.op = (mode & FALLOC_FL_PUNCH_HOLE) ? io::Op::discard : io::Op::write_zeroes;
    op->io.offset = start;
    op->io.length = stop - start;
    fs->submit(op, device);
  }

  static fuse_lowlevel_ops operations() {
    fuse_lowlevel_ops ops{};
    ops.init = op_init;
    ops.lookup = op_lookup;
    ops.getattr = op_getattr;
    ops.setattr = op_setattr;
    ops.readdir = op_readdir;
    ops.open = op_open;
    ops.release = op_release;
    ops.read = op_read;
    ops.write = op_write;
    ops.flush = op_flush;
    ops.fsync = op_fsync;
    ops.fallocate = op_fallocate;
    return ops;
  }
};

Filesystem::Filesystem() : impl_(std::make_unique<Impl>()) {}

Filesystem::~Filesystem() { unmount(); }

void Filesystem::set_access(uid_t uid, gid_t gid, bool group) {
  impl_->uid = uid;
  impl_->gid = gid;
  impl_->group_access = group;
}

Result<void> Filesystem::mount(const std::string& mountpoint) {
  Impl& s = *impl_;
  std::lock_guard g(s.state_lock);
  if (s.session) return {};
  struct stat st;
  // lstat: a symbolic link planted here would move the mount onto its target.
  if (::lstat(mountpoint.c_str(), &st) != 0) {
    if (errno == ENOTCONN) {
      ::umount2(mountpoint.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);  // left by a daemon that died
    } else if (::mkdir(mountpoint.c_str(), s.group_access ? 0750 : 0700) != 0 && errno != EEXIST) {
      return fail(errno, mountpoint + ": " + std::strerror(errno));
    }
  } else if (S_ISLNK(st.st_mode)) {
    return fail(ELOOP, mountpoint + " is a symbolic link; refusing to mount there");
  } else if (!S_ISDIR(st.st_mode)) {
    return fail(ENOTDIR, mountpoint + " is not a directory; refusing to mount there");
  }
  clock_gettime(CLOCK_REALTIME, &s.mount_time);

  const char* argv[] = {"udmd", "-o", "allow_other,default_permissions,fsname=udm,subtype=udm"};
  fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
  static const fuse_lowlevel_ops ops = Impl::operations();
  s.session = fuse_session_new(&args, &ops, sizeof ops, &s);
  fuse_opt_free_args(&args);
  if (!s.session) return fail(EIO, mountpoint + ": cannot create a FUSE session");
  if (fuse_session_mount(s.session, mountpoint.c_str()) != 0) {
    fuse_session_destroy(s.session);
    s.session = nullptr;
    return fail(EIO, mountpoint + ": FUSE mount failed (is /dev/fuse there?)");
  }
  s.mountpoint = mountpoint;
  s.mounted = true;
  s.loop = std::thread([session = s.session] {
    // Writeback through loop-on-FUSE must not recurse into our own I/O.
    ::prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0);
    fuse_loop_config* config = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(config, 16);
    fuse_loop_cfg_set_idle_threads(config, 4);
    // A /dev/fuse descriptor per thread: no wake-up of every idle thread
    // (and one lock) for each request read.
    fuse_loop_cfg_set_clone_fd(config, 1);
    fuse_session_loop_mt(session, config);
    fuse_loop_cfg_destroy(config);
  });
  return {};
}

void Filesystem::refresh(const std::vector<core::MappedDevicePtr>& devices) {
  Impl& s = *impl_;
  DeviceTree::Diff diff;
  {
    std::unique_lock l(s.tree_lock);
    diff = s.tree.rebuild(devices);
  }
  s.notify(diff);
}

void Filesystem::update(const core::MappedDevicePtr& device) {
  Impl& s = *impl_;
  DeviceTree::Diff diff;
  {
    std::unique_lock l(s.tree_lock);
    diff = s.tree.sync(device);
  }
  s.notify(diff);
}

void Filesystem::unmount() {
  if (!impl_) return;
  Impl& s = *impl_;
  // The state lock is not held while the loop winds down: a worker finishing
  // a release may trigger a refresh (deferred remove), which takes it.
  fuse_session* session = nullptr;
  bool was_mounted = false;
  {
    std::lock_guard g(s.state_lock);
    if (!s.session || s.stopping) return;
    s.stopping = true;
    session = s.session;
    was_mounted = s.mounted;
    s.mounted = false;
  }
  if (was_mounted) {
    auto id = fuse_connection_id(s.mountpoint);
    if (::umount2(s.mountpoint.c_str(), 0) != 0) {
      // Busy (a loop device or an open file): detach it and abort the
      // connection so pending and future requests fail instead of hanging.
      ::umount2(s.mountpoint.c_str(), MNT_DETACH);
      if (id) abort_connection(*id);
    }
  }
  fuse_session_exit(session);
  if (s.loop.joinable()) s.loop.join();
  // Completions still to come would reply on the session: wait for them (a
  // device suspended for good would keep them; then the session is leaked).
  for (int i = 0; i < 3000 && s.ops_in_flight.load(std::memory_order_acquire) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (s.ops_in_flight.load() == 0) {
    fuse_session_unmount(session);
    fuse_session_destroy(session);
  }
  std::lock_guard g(s.state_lock);
  s.session = nullptr;
  s.stopping = false;
}

}  // namespace udm::exports::fuse
