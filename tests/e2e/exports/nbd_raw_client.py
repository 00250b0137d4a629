#!/usr/bin/env python3
"""A raw NBD client for e2e tests: the fixed-newstyle handshake, then requests
written on their own, replies read when the test says so (simple replies)."""
import socket
import struct
import sys

NBDMAGIC = 0x4E42444D41474943
IHAVEOPT = 0x49484156454F5054
REP_MAGIC = 0x0003E889045565A9
REQ_MAGIC = 0x25609513
SIMPLE_MAGIC = 0x67446698
OPT_GO = 7
REP_ACK = 1
CMD_READ, CMD_DISC = 0, 2


def recv_exact(s, n):
    out = bytearray()
    while len(out) < n:
        chunk = s.recv(min(n - len(out), 1 << 20))
        if not chunk:
            raise EOFError("server closed the connection")
        out += chunk
    return bytes(out)


class Client:
    def __init__(self, unix_path, export):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(unix_path)
        magic, opt, _flags = struct.unpack(">QQH", recv_exact(self.s, 18))
        assert magic == NBDMAGIC and opt == IHAVEOPT, "bad greeting"
        self.s.sendall(struct.pack(">I", 3))  # fixed newstyle, no zeroes
        name = export.encode()
        data = struct.pack(">I", len(name)) + name + struct.pack(">H", 0)
        self.s.sendall(struct.pack(">QII", IHAVEOPT, OPT_GO, len(data)) + data)
        while True:
            magic, _opt, rtype, length = struct.unpack(">QIII", recv_exact(self.s, 20))
            assert magic == REP_MAGIC, "bad option reply magic"
            payload = recv_exact(self.s, length)
            if rtype == REP_ACK:
                break
            if rtype & 0x80000000:
                raise RuntimeError("NBD_OPT_GO refused: %r" % payload)

    def send(self, cmd, cookie, offset, length, flags=0):
        self.s.sendall(struct.pack(">IHHQQI", REQ_MAGIC, flags, cmd, cookie, offset, length))

    def reply(self, data_length):
        """(error, cookie); reads data_length bytes of data when error == 0."""
        magic, error, cookie = struct.unpack(">IIQ", recv_exact(self.s, 16))
        assert magic == SIMPLE_MAGIC, "bad reply magic %#x" % magic
        if error == 0 and data_length:
            remaining = data_length
            while remaining:
                remaining -= len(recv_exact(self.s, min(remaining, 1 << 20)))
        return error, cookie

    def disconnect(self):
        self.send(CMD_DISC, 0, 0, 0)
        self.s.close()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    import time
    mode, sock, export = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "queued-reads":
        # queued-reads SOCK EXPORT PID COUNT MAX_GROWTH_MIB: COUNT 32 MiB reads
        # sent and left unread; the daemon's RSS may grow by at most
        # MAX_GROWTH_MIB; then every reply is read.
        pid, count, max_growth = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        c = Client(sock, export)
        base = rss_kib(pid)
        size = 32 << 20
        # Requests go out from a thread: a blocked send must not stop the measurement.
        import threading
        sender = threading.Thread(target=lambda: [c.send(CMD_READ, i + 1, 0, size) for i in range(count)])
        sender.start()
        peak = base
        for _ in range(30):
            time.sleep(0.1)
            peak = max(peak, rss_kib(pid))
        growth = (peak - base) // 1024
        print("rss before %d MiB, peak with %d unread 32 MiB reads %d MiB (+%d MiB)" % (base // 1024, count, peak // 1024, growth))
        if growth > max_growth:
            print("FAIL: rss grew by %d MiB, bound %d MiB" % (growth, max_growth))
            return 1
        cookies = set()
        for _ in range(count):
            error, cookie = c.reply(size)
            if error:
                print("FAIL: read %d failed with %d" % (cookie, error))
                return 1
            cookies.add(cookie)
        sender.join()
        if cookies != set(range(1, count + 1)):
            print("FAIL: replies for %d of %d reads" % (len(cookies), count))
            return 1
        c.disconnect()
        time.sleep(0.5)
        print("rss after the replies were read and the client left: %d MiB" % (rss_kib(pid) // 1024))
        return 0
    if mode == "einval":
        # einval SOCK EXPORT: offset past 2^63 and an unknown flag get EINVAL
        # replies; the connection then still serves a read.
        c = Client(sock, export)
        c.send(CMD_READ, 1, 1 << 63, 512)
        c.send(CMD_READ, 2, (1 << 64) - 512, 512)
        c.send(CMD_READ, 3, 0, 512, flags=1 << 9)
        c.send(1, 4, 0, 512, flags=1 << 12)  # a write with an unknown flag: its payload is read past
        c.s.sendall(b"\xab" * 512)
        c.send(CMD_READ, 5, 0, 512)
        got = {}
        for _ in range(5):
            error, cookie = c.reply(512)  # data follows only a successful reply
            got[cookie] = error
        for cookie in (1, 2, 3, 4):
            if got.get(cookie) != 22:
                print("FAIL: request %d: error %r, expected EINVAL (22)" % (cookie, got.get(cookie)))
                return 1
        if got.get(5) != 0:
            print("FAIL: the read after the bad requests: error %r" % got.get(5))
            return 1
        c.disconnect()
        print("EINVAL for offset past 2^63 and unknown flags; connection kept")
        return 0
    print("unknown mode " + mode)
    return 2


if __name__ == "__main__":
    sys.exit(main())
