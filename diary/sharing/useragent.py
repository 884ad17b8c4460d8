"""The approximate client of a share-link visit, for the patient's access log.

A patient wants to know "was that my doctor's computer?", not a fingerprint: the
browser family and the operating system ("Firefox on Windows"), never versions,
devices, the full User-Agent header or the IP address. A few substring checks are
enough for that, so there is no parser dependency. The order of the checks
matters: most browsers also claim to be Safari or Mozilla, and an iPhone claims to
be "like Mac OS X".
"""

# (marker in the User-Agent, name), first match wins.
BROWSERS: tuple[tuple[str, str], ...] = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("Edge/", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Vivaldi/", "Vivaldi"),
    ("YaBrowser/", "Yandex Browser"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Trident/", "Internet Explorer"),
    ("MSIE ", "Internet Explorer"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("Wget/", "Wget"),
)
SYSTEMS: tuple[tuple[str, str], ...] = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("iPod", "iOS"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
    ("X11", "Unix"),
)
# Only the start of the header is read: a client may send anything.
READ_AT_MOST = 512
UNKNOWN_BROWSER = "Unknown browser"
UNKNOWN_SYSTEM = "unknown system"


def _first(user_agent: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for marker, name in table:
        if marker in user_agent:
            return name
    return None


def approximate_client(user_agent: str | None) -> str:
    """``"Firefox on Windows"``: browser family and system, nothing more.

    An empty or unrecognised header gives ``""``; one recognised half gives, for
    example, ``"Firefox on unknown system"``. The result never contains a version
    number or any other part of the header.
    """
    text = (user_agent or "")[:READ_AT_MOST]
    if not text.strip():
        return ""
    browser = _first(text, BROWSERS)
    system = _first(text, SYSTEMS)
    if browser is None and system is None:
        return ""
    return f"{browser or UNKNOWN_BROWSER} on {system or UNKNOWN_SYSTEM}"
