"""The programme-wide execution table (programme admins and secretariat staff) and its CSV and
XLSX downloads. The rows are ``reporting.execution``'s, over the projects the user may follow."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.rules import VIEW_STAFF_AREA
from core.views import require_perm
from projects.models import Country, Project
from reporting.execution import (
    Grouping,
    execution_projects_for_user,
    execution_table,
    export_execution,
    project_kinds_of,
)


class ExecutionFilterForm(forms.Form):
    """The table's filters (GET). The choices are those of the user's projects; a value that is
    not one of them is an error shown next to its field, and that filter is left out."""

    group = forms.ChoiceField(
        label=gettext_lazy("Rows by"), choices=Grouping.CHOICES, required=False
    )
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False)
    track_kind = forms.ChoiceField(label=gettext_lazy("Track"), required=False)
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Project status"), required=False)

    def __init__(self, data, *, projects: QuerySet[Project]):
        super().__init__(data)
        everything = [("", _("All"))]
        years = projects.order_by("-year").values_list("year", flat=True).distinct()
        self.fields["year"].choices = everything + [(y, str(y)) for y in years]
        self.fields["track_kind"].choices = everything + project_kinds_of(projects)
        countries = Country.objects.filter(pk__in=projects.values("country")).only(
            "code", "name", "name_ko"
        )
        named = sorted((str(c.display_name), c.code) for c in countries)
        self.fields["country"].choices = everything + [(code, name) for name, code in named]
        self.fields["status"].choices = everything + list(Project.Status.choices)

    def values(self) -> dict:
        """The valid filters and the grouping (``detail`` by default); invalid ones dropped."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {name: cleaned.get(name) for name in ("year", "track_kind", "country", "status")}
        values = {name: value for name, value in values.items() if value not in (None, "")}
        values["group"] = cleaned.get("group") or Grouping.DETAIL
        return values


def _filters(request) -> tuple[ExecutionFilterForm, dict]:
    form = ExecutionFilterForm(request.GET, projects=execution_projects_for_user(request.user))
    return form, form.values()


@login_required
@require_GET
def execution(request):
    """Awarded, planned, claimed, approved and paid by year, track and country (or project by
    project, a page at a time), with the filters and the downloads of the same rows."""
    require_perm(request, VIEW_STAFF_AREA)
    form, filters = _filters(request)
    table = execution_table(request.user, filters, page=request.GET.get("page"))
    fields = Grouping.FIELDS[table.grouping]
    by_project = table.grouping == Grouping.PROJECT
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reporting/staff/execution.html",
        {
            "form": form,
            "table": table,
            "by_project": by_project,
            "show_year": "year" in fields,
            "show_track": "track_kind" in fields,
            "show_country": "country" in fields,
            # The total's label spans the group's columns: project, year, track and country
            # when by project, else one per field of the grouping.
            "group_columns": 4 if by_project else len(fields),
            "page": table.page,
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def execution_export(request, fmt: str):
    """The table's rows under the same filters, as CSV or XLSX (``?lang=`` for the file's
    language, as every export)."""
    require_perm(request, VIEW_STAFF_AREA)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, filters = _filters(request)
    content, content_type, name = export_execution(
        user=request.user, filters=filters, fmt=fmt, lang=request.GET.get("lang")
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
