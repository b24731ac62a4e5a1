"""Base classes for the API's viewsets: one place for authentication, filters, ordering, schema,
permissions, request bodies and replies, so that each viewset states only what differs.

* Authentication: ``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]`` (API token, then the
  browser's session).
* Rows: ``get_queryset`` (a selector). An object outside it is not found (404), so existence
  never leaks; ``projects.api.StaffTrackRowsMixin`` limits rows to the user's staff tracks.
* Rules: ``permission_required`` / ``object_permission_required`` map each action to a ``rules``
  permission (``core.api.permissions.RulesPermission``), asked about ``rule_subject(obj)``; a
  visible object whose rule refuses the action answers 403.
* Writes: ``input_serializers`` maps an action to the serializer that validates its body (and
  documents it in the OpenAPI description); ``validated_input`` runs it; the action calls one
  service and answers with ``reply``.
* Lost updates: a viewset naming ``version_fields`` answers a detail read or write with an
  ``ETag`` (``etag``: by default the fingerprint of those fields, ``core.concurrency``; the
  application's is its ``version``); a PATCH sending it back in ``If-Match`` hands it to the
  service (``seen_version``), which refuses (409 ``changed_meanwhile``, or the application's
  ``edit_conflict``) when a colleague changed one of them since. Without ``If-Match`` the
  last write wins. Any other write that sends ``If-Match`` (a viewset without an ``ETag``, an
  action other than the PATCH) cannot evaluate it and is refused (400
  ``precondition_unsupported``, ``If-Match: *`` excepted), never acted on as if unconditional.
"""

import re
from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.utils import html

from core.api.exceptions import PreconditionUnsupported
from core.api.filters import PortalFilterBackend, StableOrderingFilter
from core.api.permissions import RulesPermission
from core.api.schema import VERSIONED_ACTIONS, WRITE_METHODS, PortalAutoSchema
from core.concurrency import row_fingerprint

# The form field Django's CSRF check reads (``django.middleware.csrf``).
CSRF_FIELD = "csrfmiddlewaretoken"


def field_of(key: str, data) -> str:
    """The serializer field a key of the body is for: the key itself, except in a form body,
    where DRF reads a dict or nested field from ``lines.personnel`` and a list from
    ``sections[0]`` (``rest_framework.utils.html``)."""
    if html.is_html_input(data):
        return re.split(r"[.\[]", key, maxsplit=1)[0]
    return key


class PortalViewSetMixin:
    filter_backends = [PortalFilterBackend, StableOrderingFilter]
    schema = PortalAutoSchema()
    # The OpenAPI tag of every operation of the viewset (an action may set its own).
    schema_tags: list[str] = []
    # Action → serializer that validates the request body of that write.
    input_serializers: dict[str, type[serializers.Serializer]] = {}
    # The fields a detail's ``ETag`` fingerprints (``seen_version``); none: no ``ETag``.
    version_fields: tuple[str, ...] = ()

    def get_object(self):
        obj = super().get_object()
        self._versioned = obj
        return obj

    def etag(self, row) -> str:
        """The ``ETag`` of ``row`` (without quotes): the fingerprint of its ``version_fields``."""
        return row_fingerprint(row, self.version_fields)

    def if_match(self) -> str | None:
        """The entity tag the request's ``If-Match`` names (quotes and ``W/`` taken off); None
        without one, or for ``*`` (any current object: true of every object found)."""
        tag = self.request.headers.get("If-Match", "").strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"')
        return tag if tag and tag != "*" else None

    def takes_if_match(self) -> bool:
        """Whether this request can evaluate ``If-Match``: a change of a row with an ``ETag``."""
        return bool(self.version_fields) and getattr(self, "action", None) in (
            "partial_update",
            "update",
        )

    def seen_version(self) -> str | None:
        """The ``ETag`` the client read (sent back in ``If-Match``), for the service's
        ``seen_version``; None without one (or ``*``): not checked."""
        return self.if_match() if self.takes_if_match() else None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # After authentication and the rules: a precondition only for whoever may write, and
        # only on a method the route offers (else 405 says more).
        method = request.method.lower()
        offered = method in self.http_method_names and hasattr(self, method)
        if (
            offered
            and request.method in WRITE_METHODS
            and self.if_match()
            and not self.takes_if_match()
        ):
            raise PreconditionUnsupported()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        row = getattr(self, "_versioned", None)
        # The row read (``get_object``) or written and read again (``reply``) by an action on
        # the row itself; another action's answer is about something else.
        own = getattr(self, "action", None) in VERSIONED_ACTIONS
        if self.version_fields and own and row is not None and response.status_code in (200, 201):
            response["ETag"] = f'"{self.etag(row)}"'
        return response

    def validated_input(self, instance=None) -> dict:
        """The request body as the action's input serializer validates it (400 otherwise).

        The serializer gets the usual context (request, view), so a field can limit its
        choices to what the user may see, and ``instance`` when a change is checked against
        the current values; a PATCH validates only the fields it sends.

        A key of the body that is not a writable field of the serializer is refused (400,
        named in ``errors``) rather than dropped: a typo (``titel``) or a read-only field
        (``status``) would otherwise answer 200 and save nothing."""
        serializer = self.input_serializers[self.action](
            instance,
            data=self.request.data,
            context=self.get_serializer_context(),
            partial=self.action == "partial_update",
        )
        unexpected = self.unexpected_fields(serializer)
        if unexpected:
            raise serializers.ValidationError(unexpected)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def unexpected_fields(self, serializer) -> dict[str, list[str]]:
        """The body's keys that ``serializer`` does not take, each with why: a field the
        object has but no client may write (one of the serializer's read-only fields, or of
        the viewset's reply) "cannot be changed"; anything else is unknown."""
        data = self.request.data
        if not isinstance(data, Mapping):
            return {}  # not an object: the serializer says so
        writable = {name for name, field in serializer.fields.items() if not field.read_only}
        # A form-encoded body of a browser session may carry Django's CSRF token.
        writable.add(CSRF_FIELD)
        unexpected = [key for key in data if field_of(key, data) not in writable]
        if not unexpected:
            return {}
        known = set(serializer.fields) | set(
            self.get_serializer_class()(context=self.get_serializer_context()).fields
        )
        return {
            key: [_("This field cannot be changed.") if key in known else _("Unknown field.")]
            for key in unexpected
        }

    def rule_subject(self, obj):
        """What the object rules are asked about: the object itself unless a viewset says."""
        return obj

    def check_rule(self, subject) -> None:
        """Ask the action's object rule about ``subject`` directly (e.g. the track named in the
        body of a new row, which ``get_object`` never sees): 403 when it refuses."""
        if not RulesPermission.allows(self.request, self, subject):
            self.permission_denied(self.request)

    def reply(self, instance, code=status.HTTP_200_OK) -> Response:
        """Answer with ``instance`` as a GET shows it: read again through ``get_queryset``
        (visibility, annotations, joins) and rendered by the viewset's serializer."""
        instance = self.get_queryset().get(pk=instance.pk)
        self._versioned = instance
        return Response(self.get_serializer(instance).data, status=code)


class PublicReadOnlyViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Open data: anyone may read, nobody writes through these endpoints."""

    permission_classes = [permissions.AllowAny]


class PortalGenericViewSet(PortalViewSetMixin, viewsets.GenericViewSet):
    """Logged-in access with the mixins the viewset picks; objects are checked by ``rules``."""

    permission_classes = [permissions.IsAuthenticated, RulesPermission]


class PortalReadOnlyViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Logged-in read access; rows come from a selector, objects are checked by ``rules``.

    The rows are already what the user may see, so reading one asks no further rule; any
    other detail action must still name its rule."""

    permission_classes = [permissions.IsAuthenticated, RulesPermission]
    object_permission_required = {"retrieve": None}
