"""An HTTP client that uses the product as a browser does, over plain HTTP on the loopback.

Production runs behind a TLS proxy that sets ``X-Forwarded-Proto: https`` (settings:
``SECURE_PROXY_SSL_HEADER``), and its cookies are ``Secure``. On 127.0.0.1 the client stands in
for that proxy: it sends the header on every request (so no redirect to https, and HSTS and the
CSRF origin checks apply as in production), sends ``Origin: https://<host>`` with every form, and
keeps sending the ``Secure`` cookies over the loopback. Nothing in the settings is relaxed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.cookiejar
import struct
import time
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

TIMEOUT = 30


def totp(secret: str, at: float | None = None, *, period: int = 30, digits: int = 6) -> str:
    """The current code of an authenticator app (RFC 6238, SHA-1), as allauth's TOTP checks it."""
    key = base64.b32decode(secret.encode("ascii"), casefold=True)
    counter = int((time.time() if at is None else at) // period)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{value:0{digits}d}"


class _LoopbackTLS(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies over http://127.0.0.1: the TLS proxy this client stands in for would."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return True


def with_loopback_cookies(prepared: requests.PreparedRequest) -> requests.PreparedRequest:
    """requests builds each request's cookies in a fresh jar with the default policy, which keeps
    Secure cookies off http:// URLs; this rebuilds them with the loopback policy."""
    jar = requests.cookies.RequestsCookieJar()
    jar.set_policy(_LoopbackTLS())
    for cookie in prepared._cookies or []:
        jar.set_cookie(cookie)
    prepared.headers.pop("Cookie", None)
    prepared.prepare_cookies(jar)
    return prepared


class _Session(requests.Session):
    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        return with_loopback_cookies(super().prepare_request(request))


class Form:
    def __init__(self, action: str, method: str, attrs: dict[str, str]) -> None:
        self.action, self.method, self.attrs = action, method, attrs
        self.fields: list[tuple[str, str]] = []
        self.buttons: list[tuple[str, str, str]] = []  # name, value, label

    def values(self) -> dict[str, str]:
        return dict(self.fields)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._option: str | None = None
        self._button: dict[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower(), a)
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input" and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "image", "button", "file"):
                if kind == "submit":
                    self._form.buttons.append((a["name"], a.get("value", ""), a.get("value", "")))
                return
            self._form.fields.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []
        elif tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = value
            if self._select_value is None or "selected" in a:
                self._select_value = value if value is not None else ""
        elif tag == "button":
            self._button, self._text = a, []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "textarea" and self._textarea is not None:
            self._form.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self._form.fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "button" and self._button is not None:
            if self._button.get("name"):
                label = " ".join("".join(self._text).split())
                self._form.buttons.append((self._button["name"], self._button.get("value", ""), label))
            self._button = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Browser:
    """A requests session that signs in, follows redirects and submits forms like a person."""

    def __init__(self, base_url: str, *, name: str = "deploy", forwarded_for: str | None = None) -> None:
        self.base = base_url.rstrip("/")
        host = urlsplit(self.base).netloc
        self.origin = f"https://{host}"
        self.http = _Session()
        self.http.headers.update({"X-Forwarded-Proto": "https", "User-Agent": f"{name} (deploy/client.py)"})
        if forwarded_for is not None:
            # The address the TLS proxy this client stands in for would say it forwards.
            self.http.headers["X-Forwarded-For"] = forwarded_for

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.http.get(self.url(path), **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        headers = {"Origin": self.origin, "Referer": self.origin + urlsplit(self.url(path)).path}
        headers.update(kwargs.pop("headers", {}))
        return self.http.post(self.url(path), data=data, headers=headers, **kwargs)

    def form(self, page: requests.Response, *, action: str | None = None, field: str | None = None) -> Form:
        """The page's form whose action contains ``action`` and/or that has the field ``field``."""
        for form in forms_of(page.text):
            if form.method != "post":
                continue
            if action is not None and action not in urljoin(page.url, form.action or page.url):
                continue
            if field is not None and field not in form.values():
                continue
            return form
        raise AssertionError(f"no POST form (action~{action!r}, field {field!r}) on {page.url} ({page.status_code})")

    def submit(
        self,
        page: requests.Response,
        data: dict[str, str] | None = None,
        *,
        action: str | None = None,
        field: str | None = None,
        button: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Fill the form found on ``page`` with ``data`` (kept fields stay) and send it."""
        form = self.form(page, action=action, field=field)
        values = form.values()
        if button is not None:
            chosen = [(n, v) for n, v, label in form.buttons if button in (n, v, label)]
            if not chosen:
                raise AssertionError(f"no button {button!r} in the form on {page.url}")
            values[chosen[0][0]] = chosen[0][1]
        values.update(data or {})
        return self.post(urljoin(page.url, form.action or page.url), data=values, **kwargs)

    def sign_in(self, email: str, password: str, totp_secret: str | None = None) -> requests.Response:
        """The login page, then for staff the authenticator code (waiting for a fresh code if the
        current one was used in this 30-second window: allauth refuses a code twice)."""
        page = self.get("/accounts/login/")
        page.raise_for_status()
        page = self.submit(page, {"login": email, "password": password}, field="login")
        if totp_secret is None:
            return page
        for _attempt in range(2):
            form = self.form(page, field="code")
            answer = self.submit(page, {"code": totp(totp_secret)}, action=form.action or None, field="code")
            if not any("code" in f.values() for f in forms_of(answer.text)):
                return answer
            time.sleep(30 - time.time() % 30 + 0.5)
            page = answer
        raise AssertionError(f"{email}: the second factor was refused twice")


def api(base_url: str, token: str) -> requests.Session:
    """A session for the JSON API with a personal token, through the same stand-in TLS proxy."""
    session = _Session()
    session.headers.update({"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"})
    return session
