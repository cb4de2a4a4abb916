"""The two origins of the browser benchmarks, on 127.0.0.1, each in a thread of bench.py.

Both use scripts/serve.py's handler (its headers, its `no-cache` revalidation) and also serve the
benchmark images under /__bench/. Each counts the body bytes it sends, path by path, so the
first-load section knows what a fresh browser downloaded from any page, worker or service worker.
"""

import http.server
import sys
import threading
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import serve  # noqa: E402  scripts/serve.py

IMAGES_PREFIX = "/__bench/"
# imgly needs isolation for its threads and sets no CSP of its own.
ISOLATION_HEADERS = [
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
]


class CountingHandler(serve.Handler):
    def __init__(self, *args, images_dir, **kwargs):
        self.images_dir = images_dir
        super().__init__(*args, **kwargs)

    def translate_path(self, path):
        if path.startswith(IMAGES_PREFIX):
            return str(Path(self.images_dir) / Path(path[len(IMAGES_PREFIX):].split("?")[0]).name)
        return super().translate_path(path)

    def copyfile(self, source, outputfile):
        start = source.tell()
        super().copyfile(source, outputfile)
        with self.server.lock:
            self.server.sent.append((self.path.split("?")[0], source.tell() - start, time.time()))


class Origin:
    """A started server: `url`, `sent` (path, bytes, time sent) since the last `reset()`, `stop()`."""

    def __init__(self, directory: Path, headers: list[tuple[str, str]], images_dir: Path, port: int = 0):
        handler = partial(CountingHandler, directory=str(directory), site_headers=headers, images_dir=str(images_dir))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.server.sent = []
        self.server.lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        with self.server.lock:
            self.server.sent.clear()

    def sent(self) -> list[tuple[str, int, float]]:
        with self.server.lock:
            return list(self.server.sent)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def app_origin(dist: Path, images_dir: Path, port: int = 0) -> Origin:
    """dist/ with the site's own headers (dist/_headers: COOP/COEP/CSP), like `make start`."""
    return Origin(dist, serve.read_headers_file(dist / "_headers"), images_dir, port)


def imgly_origin(site: Path, images_dir: Path, port: int = 0) -> Origin:
    return Origin(site, ISOLATION_HEADERS, images_dir, port)
