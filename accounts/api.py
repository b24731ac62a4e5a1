"""API for the logged-in user: who am I, and my personal API tokens."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts import roles
from accounts.models import ApiToken, Organization, User
from accounts.token_services import api_tokens_for_user, create_api_token, revoke_api_token
from core.api.schema import PortalAutoSchema, api_docs
from core.api.viewsets import PortalGenericViewSet


class OrganizationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "name_ko", "kind", "country_code"]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField(help_text=_("Role names the user holds."))
    organizations = OrganizationSummarySerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "language", "time_zone", "roles", "organizations"]

    def get_roles(self, user) -> list[str]:
        return sorted(roles.user_roles(user))


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    is_active = serializers.BooleanField(
        read_only=True, help_text=_("Neither revoked nor expired: the token still works.")
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "scope",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "scope": {"help_text": _("`read`: GET, HEAD and OPTIONS only. `read_write`: all.")},
            "last_used_at": {"help_text": _("To the minute.")},
        }


class ApiTokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.choices,
        default=ApiToken.Scope.READ,
        help_text=_("What the token may do; read-only unless asked."),
    )
    expires_at = serializers.DateTimeField(
        required=False,
        help_text=_(
            "When the token stops working: in the future, at most a year away. "
            "Default: 90 days from now."
        ),
    )


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.SerializerMethodField(
        help_text=_("The token key. Shown in this response only; store it now.")
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]

    def get_key(self, token) -> str:
        return self.context["key"]


class MeView(GenericAPIView):
    """The logged-in user, their roles and organisations."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MeSerializer
    schema = PortalAutoSchema()
    schema_tags = ["account"]

    @extend_schema(summary=_("Who am I"))
    def get(self, request):
        user = User.objects.prefetch_related("organizations").get(pk=request.user.pk)
        return Response(self.get_serializer(user).data)


@api_docs(
    list=_("List my API tokens"),
    create=extend_schema(
        summary=_("Create an API token"),
        description=_(
            "Returns the key once. Send it as `Authorization: Token <key>`; it carries the "
            "permissions of the user who created it, narrowed by its scope (a `read` token is "
            "refused with 403 on anything but GET, HEAD and OPTIONS), until it expires or is "
            "revoked. Changing the password, or being given a staff or reviewer role, revokes "
            "all of the user's tokens. Tokens are created "
            "from a signed-in session only; a request authenticated by a token is refused (403)."
        ),
        responses={201: NewApiTokenSerializer},
        examples=[
            OpenApiExample("Create", request_only=True, value={"name": "Open-data dashboard"}),
            OpenApiExample(
                "Read and write",
                request_only=True,
                value={"name": "Deliverables upload", "scope": "read_write"},
            ),
        ],
    ),
    revoke=_("Revoke one of my API tokens"),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, PortalGenericViewSet):
    """The user's own tokens; another user's token is never found (404)."""

    queryset = ApiToken.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = ApiTokenSerializer
    schema_tags = ["account"]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "pk"]
    object_permission_required = {"revoke": None}
    input_serializers = {"create": ApiTokenInputSerializer}

    def get_queryset(self):
        return api_tokens_for_user(self.request.user)

    def create(self, request, *args, **kwargs):
        if isinstance(request.auth, ApiToken):
            # A token is made from a signed-in session (password, second factor, lock-out):
            # a leaked token must not be able to mint itself successors that outlive it.
            raise PermissionDenied(
                _("API tokens are created from a signed-in session, not with another token.")
            )
        body = self.validated_input()
        token, key = create_api_token(
            user=request.user,
            name=body["name"],
            scope=body["scope"],
            expires_at=body.get("expires_at"),
        )
        data = NewApiTokenSerializer(token, context={"key": key}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request, id=None):
        token = revoke_api_token(token=self.get_object(), actor=request.user)
        return Response(ApiTokenSerializer(token).data)
