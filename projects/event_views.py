"""Staff screens of the programme's events under /staff/events/: the list of events and, for each,
the funded projects it concerns, who took part and its materials.

Programme admins and secretariat staff (``projects.manage_events``; 403 for anyone else) add and
remove participants and materials and link the projects they follow; the event's own fields
(title, dates, partners) are corrected in the back office. Every write is a service of
``projects.services`` ("Events"), audited. What is shown here is public on the events page."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organization
from core.forms import (
    DisplayNameChoiceField,
    DisplayNameMultipleChoiceField,
    id_from,
    run_service_on_form,
)
from core.kept_uploads import KeepsUploads
from core.views import require_perm
from projects import selectors, services
from projects.models import Country, Event, EventMaterial, EventParticipant, Project
from projects.rules import MANAGE_EVENTS
from projects.selectors import projects_for_staff


class ProjectChoiceField(DisplayNameMultipleChoiceField):
    """Funded projects by code and title, the title in the reader's language."""

    def label_from_instance(self, obj):
        return f"{obj.code} {obj.display_name}"


class EventProjectsForm(forms.Form):
    projects = ProjectChoiceField(
        label=gettext_lazy("Funded projects this event concerns"),
        queryset=Project.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, followed=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = followed.order_by("-year", "code")


class ParticipantForm(forms.Form):
    organization = DisplayNameChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        help_text=gettext_lazy("One of the portal's organisations, if it has one."),
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("A guest's name, or leave empty to use the organisation's."),
    )
    country = DisplayNameChoiceField(
        label=gettext_lazy("Country"), queryset=Country.objects.order_by("name"), required=False
    )
    role = forms.CharField(label=gettext_lazy("Role"), max_length=120, required=False)


class MaterialForm(KeepsUploads, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    title_ko = forms.CharField(
        label=gettext_lazy("Title in Korean"), max_length=255, required=False
    )
    file = forms.FileField(label=gettext_lazy("File (PDF, DOCX, XLSX, PNG or JPEG)"))


@login_required
def event_list(request):
    """Every event, newest first, with how many projects, participants and materials it has."""
    require_perm(request, MANAGE_EVENTS)
    events = (
        selectors.events()
        .annotate(
            project_count=Count("projects", distinct=True),
            participant_count=Count("participants", distinct=True),
            material_count=Count("materials", distinct=True),
        )
        .order_by("-starts_on", "pk")
    )
    return render(request, "projects/staff/events.html", {"events": events})


def _linked_projects(event: Event, followed, chosen) -> list[Project]:
    """The projects the event will be linked to: those chosen among the ones the user follows,
    and those linked already that the user does not follow (not theirs to change)."""
    followed_ids = set(followed.values_list("pk", flat=True))
    kept = [p for p in event.projects.all() if p.pk not in followed_ids]
    return [*chosen, *kept]


def _linked_elsewhere(event: Event, followed) -> dict:
    """The event's projects the user does not follow (another secretariat linked them): named
    only when the public may see them too (``selectors.public_portfolio``), otherwise only
    counted, so a project whose award is still only proposed is not read by the other
    secretariat's staff."""
    followed_ids = set(followed.values_list("pk", flat=True))
    public_ids = set(selectors.public_portfolio().values_list("pk", flat=True))
    others = [p for p in event.projects.all() if p.pk not in followed_ids]
    return {
        "linked_elsewhere": [p for p in others if p.pk in public_ids],
        "linked_elsewhere_hidden": sum(1 for p in others if p.pk not in public_ids),
    }


def _posted_id(request, name: str) -> int:
    return id_from(request.POST.get(name)) or 0


@login_required
def event_detail(request, pk: int):
    """One event: its projects (a form), participants and materials (add and remove)."""
    require_perm(request, MANAGE_EVENTS)
    event = get_object_or_404(
        Event.objects.select_related("city__country").prefetch_related(
            Prefetch("projects", queryset=Project.objects.order_by("-year", "code")),
            Prefetch(
                "participants",
                queryset=EventParticipant.objects.select_related("organization", "country"),
            ),
            "materials",
        ),
        pk=pk,
    )
    followed = projects_for_staff(request.user)
    projects_form = EventProjectsForm(
        followed=followed, initial={"projects": [p.pk for p in event.projects.all()]}
    )
    participant_form, material_form = ParticipantForm(), MaterialForm()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    done = None
    if action == "projects":
        projects_form = EventProjectsForm(request.POST, followed=followed)
        if run_service_on_form(
            projects_form,
            lambda data: services.update_event(
                event=event,
                actor=request.user,
                projects=_linked_projects(event, followed, data["projects"]),
            ),
        ):
            done = _("The event's projects have been saved.")
    elif action == "participant":
        participant_form = ParticipantForm(request.POST)
        if run_service_on_form(
            participant_form,
            lambda data: services.add_event_participant(event=event, actor=request.user, **data),
        ):
            done = _("The participant has been added.")
    elif action == "material":
        material_form = MaterialForm(request.POST, request.FILES, uploader=request.user)
        if run_service_on_form(
            material_form,
            lambda data: services.add_event_material(
                event=event,
                actor=request.user,
                title=data["title"],
                title_ko=data["title_ko"],
                uploaded=data["file"],
            ),
        ):
            done = _("The material has been attached; it is public on the events page.")
    elif action == "remove_participant":
        participant = get_object_or_404(
            EventParticipant, event=event, pk=_posted_id(request, "participant")
        )
        services.remove_event_participant(participant=participant, actor=request.user)
        done = _("The participant has been removed.")
    elif action == "remove_material":
        material = get_object_or_404(EventMaterial, event=event, pk=_posted_id(request, "material"))
        services.remove_event_material(material=material, actor=request.user)
        done = _("The material has been removed.")
    if done:
        messages.success(request, done)
        return redirect("staff_events:event", pk=event.pk)
    return render(
        request,
        "projects/staff/event.html",
        {
            "event": event,
            **_linked_elsewhere(event, followed),
            "projects_form": projects_form,
            "participant_form": participant_form,
            "material_form": material_form,
        },
        status=400 if request.method == "POST" else 200,
    )
