"""Read a form out of a page as a browser would send it: inputs, checked boxes, selected options, text areas."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str, index: int):
        super().__init__(convert_charrefs=True)
        self.action, self.index = action, index
        self.seen = -1
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self.options: dict[str, list[tuple[str, str]]] = {}
        self._option_value: str | None = None
        self._option_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and a.get("action") == self.action:
            self.seen += 1
            self.inside = self.seen == self.index
            return
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a.get("name"), None, False
            self.options.setdefault(a.get("name", ""), [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._option_value, self._option_text = value, []
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                self.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        if self._option_value is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "form":
            self.inside, self.done = False, True
        elif tag == "option" and self._select is not None and self._option_value is not None:
            self.options[self._select].append((self._option_value, "".join(self._option_text).strip()))
            self._option_value = None
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def read_form(html: str, action: str, index: int = 0) -> list[tuple[str, str]]:
    """The (name, value) pairs the ``index``-th form posting to ``action`` would send."""
    reader = _FormReader(action, index)
    reader.feed(html)
    assert reader.seen >= index, f"no form posting to {action}"
    return reader.fields


def select_options(html: str, action: str, name: str) -> list[tuple[str, str]]:
    """(value, text) of the options of one select of the form."""
    reader = _FormReader(action, 0)
    reader.feed(html)
    return reader.options.get(name, [])


def with_values(fields: list[tuple[str, str]], **changes: str | list[str]) -> list[tuple[str, str]]:
    """The fields with some replaced (a list replaces every value of that name)."""
    names = {name.replace("__", "-") if name.startswith("slots__") else name: value for name, value in changes.items()}
    kept = [(n, v) for n, v in fields if n not in names]
    for name, value in names.items():
        kept.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return kept
