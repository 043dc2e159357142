"""Secret, check_base_url, EnvSettings.read and ask_for_api_key."""

from __future__ import annotations

import base64
import copy
import getpass
import logging
import pickle
from typing import Any

import pytest

from codat_nb.config import API_KEY_ENV, BASE_URL_ENV, CODAT_BASE_URL, EnvSettings, Secret, ask_for_api_key, check_base_url
from codat_nb.errors import CodatError, ConfigError

KEY = "fAkEkEy0123456789abcdefQWERTY"


def config_error(call: Any, *args: Any) -> str:
    with pytest.raises(ConfigError) as info:
        call(*args)
    assert isinstance(info.value, CodatError)
    return str(info.value)


# -- Secret -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "render",
    [repr, str, lambda s: f"{s}", lambda s: f"{s!r}", lambda s: f"{s!s}", lambda s: f"{s:>40}", lambda s: format(s, ""),
     lambda s: "%s" % s, lambda s: "%r" % s, lambda s: "{}".format(s), lambda s: str([s]), lambda s: repr({"k": s}),
     lambda s: repr((s,))],
    ids=["repr", "str", "fstring", "fstring-r", "fstring-s", "fstring-spec", "format", "percent-s", "percent-r",
         "str-format", "in-list", "in-dict", "in-tuple"],
)  # fmt: skip
def test_secret__every_rendering_hides_the_key(render: Any) -> None:
    text = render(Secret(KEY))
    assert "***" in text
    assert KEY not in text and KEY[:8] not in text
    assert base64.b64encode(KEY.encode()).decode()[:12] not in text


@pytest.mark.parametrize("render", [repr, str, lambda s: f"{s}", lambda s: f"{s:>40}"])
def test_secret__renders_exactly(render: Any) -> None:
    assert render(Secret(KEY)) == "Secret('***')"


def test_secret__log_record_hides_the_key(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("codat_nb.test").info("key is %s / %r", Secret(KEY), Secret(KEY))
    assert KEY not in caplog.text and "Secret('***')" in caplog.text


def test_secret__reveal_and_strip() -> None:
    assert Secret(KEY).reveal() == KEY
    assert Secret(f"  {KEY}\n").reveal() == KEY
    assert Secret(Secret(KEY)).reveal() == KEY


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [(KEY, KEY, True), (KEY, " " + KEY, True), (KEY, KEY + "x", False), (KEY, KEY.lower(), False)],
)
def test_secret__equality_and_hash(a: str, b: str, equal: bool) -> None:
    assert (Secret(a) == Secret(b)) is equal
    assert (Secret(a) != Secret(b)) is not equal
    if equal:
        assert hash(Secret(a)) == hash(Secret(b))
        assert len({Secret(a), Secret(b)}) == 1
        assert {Secret(a): 1}[Secret(b)] == 1


@pytest.mark.parametrize("other", [KEY, None, 1, b"x"])
def test_secret__never_equal_to_a_non_secret(other: Any) -> None:
    assert Secret(KEY) != other
    assert not (Secret(KEY) == other)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_secret__pickle_refused(protocol: int) -> None:
    with pytest.raises(TypeError) as info:
        pickle.dumps(Secret(KEY), protocol=protocol)
    assert str(info.value) == "A Secret cannot be pickled; keep the API key in the environment instead."
    assert KEY not in str(info.value)


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy])
def test_secret__copy_refused_too(copier: Any) -> None:
    # copy goes through __reduce_ex__ as pickle does; refusing it is the price of refusing pickle.
    with pytest.raises(TypeError):
        copier(Secret(KEY))


def test_secret__no_instance_dict() -> None:
    secret = Secret(KEY)
    assert not hasattr(secret, "__dict__")
    with pytest.raises(AttributeError):
        secret.extra = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "The API key is empty: set CODAT_API_KEY or pass api_key='...' (Codat Portal > Developers > API keys)."),
        ("   ", "The API key is empty: set CODAT_API_KEY or pass api_key='...' (Codat Portal > Developers > API keys)."),
        ("\t\n", "The API key is empty: set CODAT_API_KEY or pass api_key='...' (Codat Portal > Developers > API keys)."),
        ("abc def", "The API key contains spaces or characters outside printable ASCII: copy it again from the Codat Portal."),
        ("abc\x00def", "The API key contains spaces or characters outside printable ASCII: copy it again from the Codat Portal."),
        ("abc\ndef", "The API key contains spaces or characters outside printable ASCII: copy it again from the Codat Portal."),
        ("abc\x7fdef", "The API key contains spaces or characters outside printable ASCII: copy it again from the Codat Portal."),
        ("abc\u00a0def", "The API key contains spaces or characters outside printable ASCII: copy it again from the Codat Portal."),
        ("kéy", "The API key contains spaces or characters outside printable ASCII: copy it again from the Codat Portal."),
        (None, "An API key must be a string; got NoneType."),
        (123, "An API key must be a string; got int."),
        (KEY.encode(), "An API key must be a string; got bytes."),
    ],
    ids=["empty", "blank", "whitespace", "inner-space", "nul", "newline", "del", "nbsp", "non-ascii", "none", "int", "bytes"],
)
def test_secret__bad_key_refused(value: Any, message: str) -> None:
    assert config_error(Secret, value) == message


def test_secret__refusal_never_echoes_the_key() -> None:
    message = config_error(Secret, KEY + "\n" + KEY)
    assert KEY not in message


@pytest.mark.parametrize("key", [KEY, "a", "x" * 100, "!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"])
def test_secret__authorization_is_basic_base64_of_the_key_alone(key: str) -> None:
    header = Secret(key).authorization()
    assert header == "Basic " + base64.b64encode(key.encode()).decode()
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == key  # no "user:" part, no colon added
    assert "\n" not in header


# -- check_base_url ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.codat.io", "https://api.codat.io"),
        ("https://api.codat.io/", "https://api.codat.io"),
        ("https://api.codat.io///", "https://api.codat.io"),
        ("  https://api.codat.io/  ", "https://api.codat.io"),
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
        ("http://localhost:8787/prefix/", "http://localhost:8787/prefix"),
        ("HTTPS://API.CODAT.IO", "HTTPS://API.CODAT.IO"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_check_base_url__accepted(url: str, expected: str) -> None:
    assert check_base_url(url) == expected


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "base_url must be a URL such as https://api.codat.io; got ''."),
        ("   ", "base_url must be a URL such as https://api.codat.io; got '   '."),
        (None, "base_url must be a URL such as https://api.codat.io; got None."),
        (42, "base_url must be a URL such as https://api.codat.io; got 42."),
        ("api.codat.io", "must start with http:// or https:// and name a host, such as https://api.codat.io; got 'api.codat.io'."),
        ("ftp://api.codat.io", "must start with http:// or https:// and name a host"),
        ("file:///etc/passwd", "must start with http:// or https:// and name a host"),
        ("https://", "must start with http:// or https:// and name a host"),
        ("https:///companies", "must start with http:// or https:// and name a host"),
        ("http://:8787", "must start with http:// or https:// and name a host"),
        ("https://api codat.io", "must start with http:// or https:// and name a host"),
        ("//api.codat.io", "must start with http:// or https:// and name a host"),
        ("http://[::1", "must start with http:// or https:// and name a host"),
        ("http://[x]/", "must start with http:// or https:// and name a host"),
        ("http://localhost:port", "must start with http:// or https:// and name a host"),
        ("https://api.codat.io?x=1", "base_url must not carry a query or fragment; got 'https://api.codat.io?x=1'."),
        ("https://api.codat.io/?x=1", "base_url must not carry a query or fragment"),
        ("https://api.codat.io#top", "base_url must not carry a query or fragment"),
        ("https://api.codat.io?", "base_url must not carry a query or fragment"),
        ("https://api.codat.io#", "base_url must not carry a query or fragment"),
    ],
)
def test_check_base_url__refused(url: Any, fragment: str) -> None:
    assert fragment in config_error(check_base_url, url)


def test_check_base_url__long_value_cut_short() -> None:
    message = config_error(check_base_url, "ftp://" + "x" * 500)
    assert len(message) < 250


# -- EnvSettings.read -------------------------------------------------------------------------------------


def test_env_settings__nothing_set() -> None:
    settings = EnvSettings.read()
    assert settings == EnvSettings(None, CODAT_BASE_URL)
    assert settings.base_url == "https://api.codat.io"


@pytest.mark.parametrize(
    ("env", "key", "base_url"),
    [
        ({API_KEY_ENV: KEY}, KEY, CODAT_BASE_URL),
        ({API_KEY_ENV: f"  {KEY}\n"}, KEY, CODAT_BASE_URL),
        ({API_KEY_ENV: ""}, None, CODAT_BASE_URL),
        ({API_KEY_ENV: "   "}, None, CODAT_BASE_URL),
        ({BASE_URL_ENV: "http://127.0.0.1:8787/"}, None, "http://127.0.0.1:8787"),
        ({BASE_URL_ENV: ""}, None, CODAT_BASE_URL),
        ({API_KEY_ENV: KEY, BASE_URL_ENV: "http://localhost:1/"}, KEY, "http://localhost:1"),
    ],
    ids=["key", "key-padded", "key-empty", "key-blank", "base-url", "base-url-empty", "both"],
)
def test_env_settings__read(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], key: str | None, base_url: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = EnvSettings.read()
    assert settings.api_key == (Secret(key) if key else None)
    assert settings.base_url == base_url
    assert KEY not in repr(settings)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({BASE_URL_ENV: "api.codat.io"}, "must start with http:// or https://"),
        ({BASE_URL_ENV: "https://api.codat.io?x=1"}, "must not carry a query"),
        ({API_KEY_ENV: "two words"}, "contains spaces"),
    ],
)
def test_env_settings__bad_values_refused(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], fragment: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    message = config_error(EnvSettings.read)
    assert fragment in message
    assert "two words" not in message  # a bad key is never echoed


def test_env_settings__frozen() -> None:
    settings = EnvSettings.read()
    with pytest.raises(AttributeError):
        settings.base_url = "x"  # type: ignore[misc]


def test_env_settings__clean_env_fixture_works() -> None:
    import os

    assert not [name for name in os.environ if name.startswith("CODAT_")]


# -- ask_for_api_key --------------------------------------------------------------------------------------


class FakeGetpass:
    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.prompts: list[str] = []

    def __call__(self, prompt: str = "Password: ", stream: Any = None) -> str:
        self.prompts.append(prompt)
        return self.answer


@pytest.fixture
def fake_getpass(monkeypatch: pytest.MonkeyPatch) -> FakeGetpass:
    fake = FakeGetpass("")
    monkeypatch.setattr(getpass, "getpass", fake)
    return fake


def test_ask_for_api_key__env_key_wins_without_prompting(monkeypatch: pytest.MonkeyPatch, fake_getpass: FakeGetpass) -> None:
    monkeypatch.setenv(API_KEY_ENV, KEY)
    fake_getpass.answer = "another-key"
    assert ask_for_api_key() == Secret(KEY)
    assert fake_getpass.prompts == []


@pytest.mark.parametrize(("answer", "expected"), [("", None), ("   ", None), ("\n", None), (KEY, KEY), (f" {KEY} ", KEY)])
def test_ask_for_api_key__prompts_when_env_has_none(fake_getpass: FakeGetpass, answer: str, expected: str | None) -> None:
    fake_getpass.answer = answer
    result = ask_for_api_key()
    assert fake_getpass.prompts == ["Codat API key (leave empty for the embedded Sandbox): "]
    if expected is None:
        assert result is None
    else:
        assert isinstance(result, Secret) and result.reveal() == expected


def test_ask_for_api_key__custom_prompt(fake_getpass: FakeGetpass) -> None:
    ask_for_api_key("Key? ")
    assert fake_getpass.prompts == ["Key? "]


def test_ask_for_api_key__bad_answer_refused(fake_getpass: FakeGetpass) -> None:
    fake_getpass.answer = "pasted twice"
    assert "copy it again from the Codat Portal" in config_error(ask_for_api_key)


def test_ask_for_api_key__bad_env_base_url_refused_before_prompting(
    monkeypatch: pytest.MonkeyPatch, fake_getpass: FakeGetpass
) -> None:
    monkeypatch.setenv(BASE_URL_ENV, "ftp://x")
    assert "must start with http://" in config_error(ask_for_api_key)
    assert fake_getpass.prompts == []
