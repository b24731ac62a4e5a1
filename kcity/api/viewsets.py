"""Base classes for the API's viewsets: one place for filters, ordering, schema and permissions."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import authentication, permissions, viewsets

from accounts.api_auth import ApiTokenAuthentication

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


class PublicReadOnlyViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Open data: anyone may read, nobody writes through these endpoints."""

    permission_classes = [permissions.AllowAny]


class PortalReadOnlyViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Logged-in read access; rows come from a selector, objects are checked by ``rules``."""

    permission_classes = [permissions.IsAuthenticated, RulesPermission]


class PortalGenericViewSet(PortalViewSetMixin, viewsets.GenericViewSet):
    """Logged-in access with the mixins the viewset picks; objects are checked by ``rules``."""

    permission_classes = [permissions.IsAuthenticated, RulesPermission]
