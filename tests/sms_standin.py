"""A local stand-in for Aliyun's SMS API (dysmsapi ``SendSms``): a real HTTP server on
127.0.0.1 in a thread. It checks each request's signature with the algorithm written out here
again, independently of the app's, and answers as Aliyun documents: ``{"Code": "OK", "BizId":
..., "RequestId": ...}``, or an error code. It can be told to fail: ``mode`` is "ok",
"error" (``isv.BUSINESS_LIMIT_CONTROL``), "http500" or "slow" (answers after ``delay`` s)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

ACCESS_KEY_ID = "LTAI-standin"
ACCESS_KEY_SECRET = "standin-secret"
UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def encode(text: str) -> str:
    """Aliyun's percent-encoding, byte by byte: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def expected_signature(method: str, params: dict[str, str], secret: str) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    to_sign = f"{method}&{encode('/')}&{encode(canonical)}"
    mac = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class StandIn:
    url: str = ""
    mode: str = "ok"
    delay: float = 2.0
    received: list[dict[str, str]] = field(default_factory=list)
    bad_signatures: int = 0
    server: Any = None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start() -> StandIn:
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            params = dict(
                parse_qsl(self.rfile.read(length).decode("ascii"), keep_blank_values=True)
            )
            state.received.append(params)
            request_id = f"req-{len(state.received)}"
            if params.get("AccessKeyId") != ACCESS_KEY_ID or params.get(
                "Signature"
            ) != expected_signature("POST", params, ACCESS_KEY_SECRET):
                state.bad_signatures += 1
                self._answer(
                    400,
                    {"Code": "SignatureDoesNotMatch", "Message": "bad signature",
                     "RequestId": request_id},
                )  # fmt: skip
                return
            if state.mode == "slow":
                time.sleep(state.delay)
            if state.mode == "http500":
                self._answer(500, {"Code": "InternalError", "RequestId": request_id})
                return
            if state.mode == "error":
                self._answer(
                    200,
                    {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控",
                     "RequestId": request_id},
                )  # fmt: skip
                return
            self._answer(
                200,
                {"Code": "OK", "Message": "OK", "BizId": f"biz{len(state.received)}",
                 "RequestId": request_id},
            )  # fmt: skip

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # A client that gave up waiting ("slow") has closed its end: nothing to report.
    server.handle_error = lambda request, address: None  # type: ignore[method-assign]
    state.server = server
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state


def settings(standin: StandIn, **more: Any) -> dict[str, Any]:
    """The app's settings that send SMS through the stand-in."""
    return {
        "SMS_SENDER": "aliyun",
        "ALIYUN_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "ALIYUN_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
        "ALIYUN_SMS_SIGN_NAME": "微实事",
        "ALIYUN_SMS_TEMPLATES": (
            "phone_code=SMS_100,voting_open=SMS_101,results_published=SMS_102,"
            "outcome=SMS_103,notice=SMS_104"
        ),
        "ALIYUN_SMS_ENDPOINT": standin.url,
        "SMS_TIMEOUT": 0.5,
        **more,
    }
