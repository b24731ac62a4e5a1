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
"""

from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response

from core.api.filters import PortalFilterBackend, StableOrderingFilter
from core.api.permissions import RulesPermission
from core.api.schema import PortalAutoSchema


class PortalViewSetMixin:
    filter_backends = [PortalFilterBackend, StableOrderingFilter]
    schema = PortalAutoSchema()
    # The OpenAPI tag of every operation of the viewset (an action may set its own).
    schema_tags: list[str] = []
    # Action → serializer that validates the request body of that write.
    input_serializers: dict[str, type[serializers.Serializer]] = {}

    def validated_input(self, instance=None) -> dict:
        """The request body as the action's input serializer validates it (400 otherwise).

        The serializer gets the usual context (request, view), so a field can limit its
        choices to what the user may see, and ``instance`` when a change is checked against
        the current values; a PATCH validates only the fields it sends."""
        serializer = self.input_serializers[self.action](
            instance,
            data=self.request.data,
            context=self.get_serializer_context(),
            partial=self.action == "partial_update",
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

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
