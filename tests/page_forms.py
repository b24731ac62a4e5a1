"""What a browser sends back from a page it loaded earlier: every field of one form, as shown.

A stale form is the page an actor opened before someone else saved; posting what this returns
(with the actor's own edits on top) is exactly what their browser would send, hidden fields
(a version, a token) included, whatever the fix names them."""

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None
        self._select_first = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}, "names": set()}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        if tag == "input" and a.get("name"):
            self._form["names"].add(a["name"])
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    if kind == "checkbox" and a["name"] in fields:
                        prev = fields[a["name"]]
                        fields[a["name"]] = (prev if isinstance(prev, list) else [prev]) + [
                            a.get("value", "on")
                        ]
                    else:
                        fields[a["name"]] = a.get("value", "on")
                return
            fields[a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._form["names"].add(a["name"])
            self._textarea = a["name"]
            fields[a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self._form["names"].add(a["name"])
            self._select = a["name"]
            self._select_first = None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                fields[self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if self._form is not None and self._select not in self._form["fields"]:
                self._form["fields"][self._select] = self._select_first or ""
            self._select = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def form_data(
    html: str, *, having: str, action: str | None = None, match: dict | None = None
) -> dict:
    """The fields of the first form of ``html`` that has a field named ``having`` (whose
    action contains ``action`` and whose fields hold the values of ``match``, when given), as
    the browser would send them unchanged."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if (
            having in form["names"]
            and (action is None or action in form["action"])
            and all(form["fields"].get(k) == v for k, v in (match or {}).items())
        ):
            data = dict(form["fields"])
            # Django's textarea rendering starts with a newline the browser drops.
            return {
                k: (v[1:] if isinstance(v, str) and v.startswith("\n") else v)
                for k, v in data.items()
            }
    raise AssertionError(f"no form with a field {having!r}")
