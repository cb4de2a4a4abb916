"""dist/ served as scripts/serve.py serves it, counting what each visit downloads (end-to-end tests only).

    python3 tests/e2e/counting_server.py PORT

GET /__test/downloads answers {path: number of bodies sent}; POST /__test/replace?path=P with a body
serves that body at P from then on (a deploy during a visit); POST /__test/reset forgets both.
Playwright's own routing cannot stand in: it turns the browser's HTTP cache off (Network.setCacheDisabled),
and the service worker's revalidation of files the page loaded before it took control relies on it.
"""

import http.server
import json
import sys
import threading
from collections import Counter
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import serve  # noqa: E402

TEST_PREFIX = "/__test/"


class CountingHandler(serve.Handler):
    def _path(self) -> str:
        return urlsplit(self.path).path

    def _answer(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path, state = self._path(), self.server.state
        if path == TEST_PREFIX + "downloads":
            with state["lock"]:
                return self._answer(json.dumps(state["downloads"]).encode(), "application/json")
        with state["lock"]:
            replaced = state["replaced"].get(path)
        if replaced is None:
            return super().do_GET()
        with state["lock"]:
            state["downloads"][path.lstrip("/")] += 1
        return self._answer(replaced, serve.CONTENT_TYPES.get(Path(path).suffix, "application/octet-stream"))

    def do_POST(self):
        url, state = urlsplit(self.path), self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with state["lock"]:
            if url.path == TEST_PREFIX + "replace":
                state["replaced"]["/" + parse_qs(url.query)["path"][0]] = body
            elif url.path == TEST_PREFIX + "reset":
                state["replaced"].clear()
                state["downloads"].clear()
            else:
                return self.send_error(404)
        self._answer(b"{}", "application/json")

    def copyfile(self, source, outputfile):
        super().copyfile(source, outputfile)
        with self.server.state["lock"]:
            self.server.state["downloads"][self._path().lstrip("/")] += 1


def main() -> None:
    handler = partial(CountingHandler, directory=str(serve.DIST), site_headers=serve.read_headers_file(serve.DIST / "_headers"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler)
    server.daemon_threads = True
    server.state = {"lock": threading.Lock(), "downloads": Counter(), "replaced": {}}
    server.serve_forever()


if __name__ == "__main__":
    main()
