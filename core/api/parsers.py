"""The API's JSON parser: a body it cannot read is a 400 (``parse_error``), never a 500.

DRF's ``JSONParser`` turns a ``ValueError`` of ``json`` into ``ParseError``, but not the
``RecursionError`` that a body of deeply nested brackets (``[[[[…]]]]``, a few kilobytes)
raises in the decoder: that escaped as a server error. ``PortalJSONParser`` is the default
(``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``) and is named by every viewset that sets its own
``parser_classes``.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class PortalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None
        except ValueError as exc:  # one DRF's parser does not catch (a decoding error)
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
