"""The local AWS emulator process: moto in server mode, plus two things moto lacks.

1. Persistence (optional, `--state FILE`): every `--interval` seconds the in-memory state of the
   services Latchkey uses (DynamoDB, SQS, Secrets Manager, Cognito) is pickled to FILE when it
   changed (written to FILE.tmp, then renamed, so FILE is always a whole snapshot), once more at a
   clean stop, and loaded back at start. Pickling moto's own backend objects keeps everything
   exactly: items, secret versions and stages, queued, delayed and in-flight messages with their
   receive counts and visibility deadlines, FIFO group state, user pools and app clients. A crash
   loses at most what changed in the last interval.
2. No orphans: the parent holds our stdin open; when the parent goes, however it dies (SIGKILL
   included), stdin reaches EOF and we save and exit.

moto is pinned (scripts/local/emulator-requirements.txt), so its backend classes are stable
between the run that saves and the run that loads; a snapshot that cannot be loaded (another moto
version) is moved aside with a message, and the emulator starts empty.
"""

import argparse
import copyreg
import os
import pickle
import signal
import sys
import threading
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.backends import get_backend
from moto.server import ThreadedMotoServer

SERVICES = ["dynamodb", "sqs", "secretsmanager", "cognito-idp"]


# Objects moto keeps that the pickle module cannot handle by itself: locks are made anew, RSA keys
# (Cognito's signing keys) travel as PEM.
def _new_rlock():
    return threading.RLock()


def _new_lock():
    return threading.Lock()


def _load_rsa(pem):
    return serialization.load_pem_private_key(pem, None)


def _dump_rsa(key):
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (_load_rsa, (pem,))


copyreg.pickle(type(threading.RLock()), lambda _l: (_new_rlock, ()))
copyreg.pickle(type(threading.Lock()), lambda _l: (_new_lock, ()))
copyreg.pickle(type(rsa.generate_private_key(public_exponent=65537, key_size=1024)), _dump_rsa)


def log(line):
    print(f"[emulator] {line}", file=sys.stderr, flush=True)


def load(path):
    if not path or not os.path.exists(path):
        return False
    try:
        with open(path, "rb") as f:
            state = pickle.load(f)
        for name, backends in state.items():
            live = get_backend(name)
            live.clear()
            live.update(backends)
        return True
    except Exception as err:  # a snapshot of another moto version, or a truncated file
        aside = f"{path}.unreadable-{int(time.time())}"
        os.replace(path, aside)
        log(f"could not load the saved state ({err!r}); moved it to {aside} and started empty")
        return False


class Saver:
    def __init__(self, path):
        self.path = path
        self.last = None
        self.lock = threading.Lock()

    def save(self):
        if not self.path:
            return
        with self.lock:
            # The server thread may change a dict while we walk it: try again a few times.
            for _ in range(5):
                try:
                    data = pickle.dumps({name: get_backend(name) for name in SERVICES})
                    break
                except RuntimeError:
                    time.sleep(0.01)
            else:
                return
            if data == self.last:
                return
            tmp = f"{self.path}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            self.last = data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", default=None)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()

    restored = load(args.state)
    saver = Saver(args.state)
    if restored:
        saver.save()  # remember what was loaded so an unchanged state is not rewritten
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    log(f"listening on http://{args.host}:{args.port}" + (f", state {args.state}" if args.state else ""))

    done = threading.Event()

    def stop(*_):
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch_parent():
        # Blocks until the parent closes our stdin or dies.
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:
            pass
        done.set()

    threading.Thread(target=watch_parent, daemon=True).start()

    while not done.wait(args.interval):
        try:
            saver.save()
        except Exception as err:
            log(f"saving state failed: {err!r}")
    try:
        saver.save()
    finally:
        os._exit(0)


if __name__ == "__main__":
    main()
