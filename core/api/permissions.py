"""Permission classes that ask the same ``rules`` permissions as the HTML views.

A viewset names the permission of each action in two maps:

* ``permission_required``: asked without an object before the view runs (e.g. ``create``);
* ``object_permission_required``: asked with the object (e.g. ``submit`` →
  ``applications.submit_application``). A detail action missing from this map is refused,
  so a new action is closed until someone names its rule.

Objects outside the selector's queryset are never reached: ``get_object`` answers 404 for them,
so existence does not leak. A visible object whose rule refuses the action answers 403.

The rule is asked about ``view.rule_subject(obj)``: the object itself, or what the rule is about
(staff work on a criterion asks ``projects.manage_track`` about its track).
"""

from rest_framework import permissions


class RulesPermission(permissions.BasePermission):
    """Map viewset actions to ``rules`` permission names; ``None`` means no rule to ask."""

    def has_permission(self, request, view):
        perm = getattr(view, "permission_required", {}).get(view.action)
        return perm is None or request.user.has_perm(perm)

    def has_object_permission(self, request, view, obj):
        rule_subject = getattr(view, "rule_subject", None)
        return self.allows(request, view, rule_subject(obj) if rule_subject else obj)

    @staticmethod
    def allows(request, view, subject) -> bool:
        """Whether the action's object rule lets the user act on ``subject``."""
        perms = getattr(view, "object_permission_required", {})
        if view.action not in perms:
            return False
        perm = perms[view.action]
        return perm is None or request.user.has_perm(perm, subject)
