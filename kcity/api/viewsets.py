"""Base classes for the API's viewsets: one place for authentication, filters, ordering, schema,
permissions, request bodies and replies, so that each viewset states only what differs.

* Rows: ``get_queryset`` (a selector). An object outside it is not found (404), so existence
  never leaks; ``StaffTrackRowsMixin`` limits rows to the user's staff tracks.
* Rules: ``permission_required`` / ``object_permission_required`` map each action to a ``rules``
  permission (``kcity.api.permissions.RulesPermission``), asked about ``rule_subject(obj)``; a
  visible object whose rule refuses the action answers 403.
* Writes: ``input_serializers`` maps an action to the serializer that validates its body (and
  documents it in the OpenAPI description); ``validated_input`` runs it; the action calls one
  service and answers with ``reply``.
"""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import authentication, permissions, serializers, status, viewsets
from rest_framework.response import Response

from accounts.api_auth import ApiTokenAuthentication
from projects.selectors import staff_tracks

from .filters import StableOrderingFilter
from .permissions import RulesPermission
from .schema import PortalAutoSchema

# Token first: a failed or missing login then answers 401 with ``WWW-Authenticate: Token``
# (session first would turn it into a 403). Without an Authorization header the browser's
# session is used, with its CSRF check on writes.
AUTHENTICATION_CLASSES = [ApiTokenAuthentication, authentication.SessionAuthentication]


class PortalViewSetMixin:
    authentication_classes = AUTHENTICATION_CLASSES
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
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


class StaffTrackRowsMixin:
    """Rows of the tracks whose staff the user is (``projects.selectors.staff_tracks``:
    programme admins every track, secretariat staff their secretariat's, others none).

    ``track_field`` is the path from a row to its track. The class's ``queryset`` gives the
    joins; another track's row is not found (404) by any action.
    """

    track_field = "track"

    def get_queryset(self):
        tracks = staff_tracks(self.request.user).values("pk")
        return super().get_queryset().filter(**{f"{self.track_field}__in": tracks})

    def rule_subject(self, obj):
        """Staff rules (``reviews.manage_track_reviews``…) are asked about the row's track."""
        for name in self.track_field.split("__"):
            obj = getattr(obj, name)
        return obj


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
