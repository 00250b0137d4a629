#!/bin/bash
# Bounded NBD memory: a client that queues 40 reads of 32 MiB and never reads
# the replies holds at most --nbd-max-queued-bytes in udmd (the daemon stops
# reading its socket), and the connection completes once the client reads.
# Also: an offset past 2^63 or an unknown command flag gets an EINVAL reply
# and the connection goes on.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup python3

start_daemon --nbd-max-queued-bytes 64M --nbd-max-queued-bytes-total 256M
sparse_file "$E2E_TMP/m.img" 64M
udmsetup create m --table "0 131072 linear $E2E_TMP/m.img 0"
SOCK=$UDM_RUNDIR/nbd.sock
CLIENT=$(dirname "$0")/nbd_raw_client.py

# 40 x 32 MiB = 1280 MiB asked for; 64 MiB queued plus buffers and slack allowed.
python3 "$CLIENT" queued-reads "$SOCK" m "$UDMD_PID" 40 160 || fail "queued reads not bounded"
python3 "$CLIENT" einval "$SOCK" m || fail "EINVAL replies"
kill -0 "$UDMD_PID" || fail "udmd died"
