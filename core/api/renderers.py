"""The browsable API, without the HTML forms that would list rows the user may not see."""

from rest_framework.renderers import BrowsableAPIRenderer


class PortalBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API (``?format=api`` or a browser's ``Accept: text/html``) with the raw
    JSON form only. Its HTML form draws a drop-down for every writable related field from the
    field's whole queryset, not from the rows the user may see: an applicant's form for a
    payment request listed every agreement's tranches, an application's listed the tracks of
    calls not yet published. The JSON form shows only what the response already shows."""

    def get_rendered_html_form(self, data, view, method, request):
        return None
