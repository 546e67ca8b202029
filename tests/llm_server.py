"""A real OpenAI-compatible chat-completions server for tests, scripted reply by reply.

It listens on 127.0.0.1 (port 0) in a background thread, answers POST /v1/chat/completions (and
/chat/completions) in the OpenAI response format and records every request it receives, so tests
can assert what the backend actually sent over HTTP.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass
class Reply:
    """One scripted response; build them with the class methods."""

    status: int = 200
    content: str | None = None
    tool_arguments: str | None = None
    finish_reason: str = "stop"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    usage: tuple[int, int] = (120, 30)
    times: int = 1  # how many consecutive requests get this reply

    @classmethod
    def json(cls, answer: dict[str, Any], **kw: Any) -> Reply:
        return cls(content=json.dumps(answer), **kw)

    @classmethod
    def text(cls, content: str, **kw: Any) -> Reply:
        return cls(content=content, **kw)

    @classmethod
    def tool(cls, answer: dict[str, Any], **kw: Any) -> Reply:
        return cls(tool_arguments=json.dumps(answer), **kw)

    @classmethod
    def error(cls, status: int, **kw: Any) -> Reply:
        # Retry hints keep the client's backoff in milliseconds so tests stay fast.
        headers = {"Retry-After": "0", "retry-after-ms": "1", **kw.pop("headers", {})}
        return cls(status=status, headers=headers, **kw)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    def text(self) -> str:
        """All message contents joined, for "the prompt contains…" assertions."""
        return "\n".join(str(m.get("content") or "") for m in self.messages)


class FakeLLMServer:
    """Start with `start()`, script with `push(...)`, stop with `stop()`."""

    def __init__(self) -> None:
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.received: list[Received] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[FakeLLMServer]:
        server = cls().start()
        try:
            yield server
        finally:
            server.stop()

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.received.clear()

    def _next(self, received: Received) -> Reply | None:
        with self._lock:
            self.received.append(received)
            if not self._script:
                return None
            reply = self._script[0]
            reply.times -= 1
            if reply.times <= 0:
                self._script.popleft()
            return reply

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                if self.path not in PATHS:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                received = Received(self.path, dict(self.headers), body)
                reply = server._next(received)
                if reply is None:
                    message = "fixture script exhausted: the test did not expect this request"
                    self._send(400, {"error": {"message": message, "type": "invalid_request"}})
                    return
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    error = {"message": f"scripted HTTP {reply.status}", "type": "server_error"}
                    self._send(reply.status, {"error": error}, reply.headers)
                    return
                self._send(200, completion(body, reply), reply.headers)

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests); nothing to tell it

        return Handler


def completion(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """A chat.completion object in the OpenAI response format."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    finish_reason = reply.finish_reason
    if reply.tool_arguments is not None:
        tools = request.get("tools") or [{"function": {"name": "segment_answer"}}]
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": "call_1",
                "type": "function",
                "function": {
                    "name": tools[0]["function"]["name"],
                    "arguments": reply.tool_arguments,
                },
            }
        ]
        finish_reason = "tool_calls" if finish_reason == "stop" else finish_reason
    prompt, completion_tokens = reply.usage
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "test-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens,
        },
    }
