"""Serve dist/ on 127.0.0.1 with the headers the app needs.

    python3 scripts/serve.py [--port N] [--no-build]

COOP/COEP make the page cross-origin isolated (SharedArrayBuffer, so ONNX Runtime can use
threads); CSP keeps every request on our own origin. The header values come from
dist/_headers, which build.py writes for static hosts, so this server and any host reading
that file send the same policy. Port 0 picks a free port; the chosen URL is printed on a
line of its own for scripts and tests to parse.
"""

import argparse
import http.server
import sys
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"

# Python's mimetypes table depends on the host's /etc/mime.types; the app must not.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".onnx": "application/octet-stream",
    ".zip": "application/zip",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}


def read_headers_file(path: Path) -> list[tuple[str, str]]:
    """The `/*` block of a Netlify/Cloudflare-style _headers file: indented `Name: value` lines."""
    headers, in_all_paths = [], False
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            in_all_paths = line.strip() == "/*"
        elif in_all_paths:
            name, _, value = line.strip().partition(":")
            headers.append((name.strip(), value.strip()))
    return headers


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a page load is dozens of requests
    extensions_map = {"": "application/octet-stream", **CONTENT_TYPES}

    def __init__(self, *args, site_headers, **kwargs):
        self.site_headers = site_headers
        super().__init__(*args, **kwargs)

    def end_headers(self):
        for name, value in self.site_headers:
            self.send_header(name, value)
        # Revalidate every time (cheap 304s): the service worker decides what is cached offline.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if len(args) > 1 and str(args[1]).startswith(("4", "5")):
            super().log_message(format, *args)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port (default 8000)")
    parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    args = parser.parse_args(argv)

    if not args.no_build:
        sys.path.insert(0, str(ROOT / "scripts"))
        import build

        build.build()
    headers_file = DIST / "_headers"
    if not headers_file.is_file():
        print(f"{headers_file} is missing: run `make build` (or drop --no-build)", file=sys.stderr)
        return 1

    handler = partial(Handler, directory=str(DIST), site_headers=read_headers_file(headers_file))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    print(f"Cutout is running at http://127.0.0.1:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
