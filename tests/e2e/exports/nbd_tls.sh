#!/bin/bash
# NBD over TCP needs TLS: udmd refuses --nbd-listen without credentials unless
# --nbd-insecure; with --tls-psk a local non-root user cannot read a device
# (over a root-only file) without the key, and can with it (nbds:// URIs of
# libnbd); ":PORT" listens on 127.0.0.1 only.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup nbdinfo nbdcopy setpriv openssl python3 ss

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }

# A directory the unprivileged client can read: the key file and its output.
PUB=$(mktemp -d /tmp/udm-e2e-pub.XXXXXX)
cleanup_fn "rm -rf $PUB"
chmod 755 "$PUB"
printf 'alice:%s\n' "$(openssl rand -hex 32)" >"$PUB/psk"
printf 'alice:%s\n' "$(openssl rand -hex 32)" >"$PUB/wrong.psk"
chmod 644 "$PUB/psk" "$PUB/wrong.psk"
install -d -o nobody "$PUB/out"

PORT=$(free_port)
# Plaintext TCP is refused without --nbd-insecure, with a message saying so.
not timeout 10 udmd --rundir "$UDM_RUNDIR" --foreground --nbd-listen "127.0.0.1:$PORT" 2>"$E2E_TMP/refused.err"
grep -q -- "needs TLS" "$E2E_TMP/refused.err" || fail "no clear refusal: $(cat "$E2E_TMP/refused.err")"
grep -q -- "--nbd-insecure" "$E2E_TMP/refused.err" || fail "refusal does not name --nbd-insecure"
not timeout 10 udmd --rundir "$UDM_RUNDIR" --foreground --tls-psk "$PUB/missing" --nbd-listen "127.0.0.1:$PORT" 2>/dev/null

start_daemon --tls-psk "$PUB/psk" --nbd-listen "127.0.0.1:$PORT"
head -c 8M /dev/urandom >"$E2E_TMP/secret.img"
chmod 600 "$E2E_TMP/secret.img"
udmsetup create secret --table "0 16384 linear $E2E_TMP/secret.img 0"

# Without TLS, or with the wrong key: refused.
not as_nobody nbdinfo --size "nbd://127.0.0.1:$PORT/secret" 2>"$E2E_TMP/plain.err"
grep -qi "tls" "$E2E_TMP/plain.err" || fail "plaintext refusal does not mention TLS: $(cat "$E2E_TMP/plain.err")"
not as_nobody nbdinfo --size "nbds://alice@127.0.0.1:$PORT/secret?tls-psk-file=$PUB/wrong.psk" 2>/dev/null
not as_nobody nbdcopy "nbd://127.0.0.1:$PORT/secret" "$PUB/out/plain.img" 2>/dev/null
[ ! -s "$PUB/out/plain.img" ] || fail "plaintext client got data"

# With the key: allowed, and the bytes are the device's.
expect_eq "$(as_nobody nbdinfo --size "nbds://alice@127.0.0.1:$PORT/secret?tls-psk-file=$PUB/psk")" 8388608 "size over TLS"
as_nobody nbdcopy "nbds://alice@127.0.0.1:$PORT/secret?tls-psk-file=$PUB/psk" "$PUB/out/copy.img"
cmp "$PUB/out/copy.img" "$E2E_TMP/secret.img" || fail "nbdcopy over TLS read other bytes"
# Writes over TLS too.
head -c 1M /dev/urandom >"$PUB/out/new.img"
chmod 644 "$PUB/out/new.img"
as_nobody nbdcopy "$PUB/out/new.img" "nbds://alice@127.0.0.1:$PORT/secret?tls-psk-file=$PUB/psk"
cmp -n 1048576 "$PUB/out/new.img" "$E2E_TMP/secret.img" || fail "write over TLS did not land"
# The Unix socket stays plaintext (its mode keeps other users out).
expect_eq "$(nbdinfo --size "nbd+unix:///secret?socket=$UDM_RUNDIR/nbd.sock")" 8388608 "size over nbd.sock"
stop_daemon

# --nbd-insecure: plaintext allowed; ":PORT" binds 127.0.0.1, not every interface.
PORT=$(free_port)
start_daemon --nbd-insecure --nbd-listen ":$PORT"
ss -Hltn "sport = :$PORT" >"$E2E_TMP/ss"
grep -q "127.0.0.1:$PORT" "$E2E_TMP/ss" || fail ":PORT is not on 127.0.0.1: $(cat "$E2E_TMP/ss")"
not grep -qE "(\*|0\.0\.0\.0|\[::\]):$PORT" "$E2E_TMP/ss"
udmsetup create z --table "0 2048 zero"
expect_eq "$(nbdinfo --size "nbd://127.0.0.1:$PORT/z")" 1048576 "plaintext with --nbd-insecure"
stop_daemon

# X.509 (--tls-creds DIR, qemu's file names): a client certificate signed by
# the CA is required.
X=$PUB/x509
mkdir -p "$X/server" "$X/client" "$X/stranger"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$X/ca-key.pem" \
  -out "$X/ca-cert.pem" -days 2 -subj /CN=udm-test-ca 2>/dev/null
# cert ROLE DIR EXTENSIONS: a key and a certificate signed by the test CA in DIR/ROLE-{key,cert}.pem.
cert() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$2/$1-key.pem" \
    -out "$2/$1.csr" -subj "/CN=$1" 2>/dev/null
  printf '%b' "$3" >"$2/$1.ext"
  openssl x509 -req -in "$2/$1.csr" -CA "$X/ca-cert.pem" -CAkey "$X/ca-key.pem" -CAcreateserial \
    -out "$2/$1-cert.pem" -days 2 -extfile "$2/$1.ext" 2>/dev/null
  cp "$X/ca-cert.pem" "$2/"
}
cert server "$X/server" 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
cert client "$X/client" 'extendedKeyUsage=clientAuth\n'
cp "$X/ca-cert.pem" "$X/stranger/"  # trusts the server, has no certificate of its own
chmod -R a+rX "$X"
PORT=$(free_port)
start_daemon --tls-creds "$X/server" --nbd-listen "127.0.0.1:$PORT"
# "secret" is back from the device record of the first daemon.
expect_eq "$(udmsetup table secret)" "0 16384 linear $E2E_TMP/secret.img 0" "secret restored"
expect_eq "$(as_nobody nbdinfo --size "nbds://127.0.0.1:$PORT/secret?tls-certificates=$X/client")" 8388608 \
  "size over X.509 TLS"
not as_nobody nbdinfo --size "nbds://127.0.0.1:$PORT/secret?tls-certificates=$X/stranger" 2>/dev/null
not as_nobody nbdinfo --size "nbd://127.0.0.1:$PORT/secret" 2>/dev/null
