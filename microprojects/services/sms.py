"""Sending one SMS: a sender chosen by ``SMS_SENDER``. ``log`` (development, the default) writes
the message to the log and keeps the latest in :data:`LOG_RECORD`; ``aliyun`` calls Aliyun's
SMS API (dysmsapi ``SendSms``, RPC style, signature version 1.0) over plain HTTP(S).

Aliyun sends only templates it has approved, with their parameters: each notice kind maps to
a template code (``ALIYUN_SMS_TEMPLATES``); a kind without its own uses ``notice``. A sender
raises :class:`SendFailed` with the reason; the outbox records it and tries again later.
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ..domain.notices import signed_query, template_params

log = logging.getLogger("microprojects.sms")

# The latest messages the log sender "sent", newest last: what a developer (or a test) reads
# the confirmation code from.
LOG_RECORD: deque[SmsMessage] = deque(maxlen=200)


class SendFailed(Exception):
    """The message did not go; ``str()`` says why, in the provider's words where it gave any."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    kind: str
    params: Mapping[str, str]
    text: str  # the words, as the log shows them; Aliyun sends its template's
    locale: str = "zh_CN"


class Sender(Protocol):
    def send(self, message: SmsMessage) -> str:
        """Send; the provider's id of the message, or raise SendFailed."""
        ...


class LogSender:
    def send(self, message: SmsMessage) -> str:
        LOG_RECORD.append(message)
        log.info("SMS to %s: %s", message.phone, message.text)
        return f"log-{secrets.token_hex(6)}"


@dataclass
class AliyunSender:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: Mapping[str, str]
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    region: str = "cn-hangzhou"
    timeout: float = 5.0
    # The request's time and nonce; given in tests that need the same request twice.
    clock: Any = field(default=None)

    def __post_init__(self) -> None:
        if not self.endpoint.startswith(("https://", "http://")):
            raise ValueError(f"ALIYUN_SMS_ENDPOINT must be an http(s) address: {self.endpoint!r}")

    def template_for(self, message: SmsMessage) -> tuple[str, str]:
        """The template's code, and the kind whose variables it has (its own or "notice")."""
        language = message.locale.split("_")[0]
        for key, variables in (
            (f"{message.kind}.{language}", message.kind),
            (message.kind, message.kind),
            (f"notice.{language}", "notice"),
            ("notice", "notice"),
        ):
            code = self.templates.get(key)
            if code:
                return code, variables
        raise SendFailed(f"no Aliyun template for “{message.kind}” (ALIYUN_SMS_TEMPLATES)")

    def request_params(self, message: SmsMessage, *, nonce: str, timestamp: str) -> dict[str, str]:
        code, variables = self.template_for(message)
        language = message.locale.split("_")[0]
        values = template_params(variables, dict(message.params), language)
        return {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.phone,
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": code,
            "TemplateParam": json.dumps(values, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": timestamp,
            "Version": "2017-05-25",
        }

    def send(self, message: SmsMessage) -> str:
        moment = self.clock() if self.clock else datetime.now(UTC)
        params = self.request_params(
            message,
            nonce=secrets.token_hex(16),
            timestamp=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        body = signed_query("POST", params, self.access_key_secret).encode("ascii")
        # The endpoint is checked to be http(s) when the sender is made.
        request = urllib.request.Request(  # noqa: S310
            self.endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = _json(response.read())
        except urllib.error.HTTPError as error:
            answer = _json(error.read())
            reason = answer.get("Code") or error.reason
            raise SendFailed(f"HTTP {error.code}: {reason}") from None
        except TimeoutError:
            raise SendFailed(f"no answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as error:
            raise SendFailed(f"cannot reach {self.endpoint}: {error}") from None
        if answer.get("Code") != "OK":
            raise SendFailed(f"{answer.get('Code', 'no code')}: {answer.get('Message', '')}")
        return str(answer.get("BizId") or "")


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def parse_templates(text: str) -> dict[str, str]:
    """``kind=SMS_123,kind.en=SMS_456`` as a mapping."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs if key.strip() and value.strip()}


def sender_from(config: Mapping[str, Any]) -> Sender:
    """The sender the configuration names (``SMS_SENDER``); an unknown name is refused."""
    name = config.get("SMS_SENDER", "log")
    if name == "log":
        return LogSender()
    if name == "aliyun":
        return AliyunSender(
            access_key_id=config["ALIYUN_ACCESS_KEY_ID"],
            access_key_secret=config["ALIYUN_ACCESS_KEY_SECRET"],
            sign_name=config["ALIYUN_SMS_SIGN_NAME"],
            templates=parse_templates(config.get("ALIYUN_SMS_TEMPLATES", "")),
            endpoint=config.get("ALIYUN_SMS_ENDPOINT") or "https://dysmsapi.aliyuncs.com/",
            region=config.get("ALIYUN_SMS_REGION") or "cn-hangzhou",
            timeout=float(config.get("SMS_TIMEOUT", 5)),
        )
    raise RuntimeError(f"SMS_SENDER must be 'log' or 'aliyun', not {name!r}")
