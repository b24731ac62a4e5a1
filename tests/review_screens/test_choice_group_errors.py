"""A group of choices (radio buttons, tick boxes) is a question like any other: when it is
answered wrongly, the error summary's link leads to the group, the group is a fieldset named by
its legend (no ``<label for="">`` pointing nowhere), and its help and error texts have the ids
its ``aria-describedby`` names.

Found by submitting each form empty on a phone: every "choose one" error in the summary (the
screening decision, the sections to reopen, what an amendment changes, the reviewers to
assign) linked to ``#``, so following it went nowhere; groups rendered by the common field
partial had an orphan label, and their help text the id ``-help``, shared by every such group
and not the one their controls point to."""

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from applications.models import Application
from tests.conftest import login
from tests.factories import SubmittedApplicationFactory

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """The ids of a page, the targets of its error summary's links, the ``for`` of its labels,
    every ``aria-describedby`` token, and the legend of each fieldset by the fieldset's id."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.summary_targets: list[str] = []
        self.label_fors: list[str] = []
        self.described_by: list[str] = []
        self.legends: dict[str, str] = {}
        self._in_summary = 0
        self._fieldsets: list[str | None] = []
        self._legend: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if "error-summary" in (a.get("class") or "").split():
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        if self._in_summary and tag == "a" and (a.get("href") or "").startswith("#"):
            self.summary_targets.append(a["href"][1:])
        if tag == "label" and "for" in a:
            self.label_fors.append(a["for"] or "")
        self.described_by += (a.get("aria-describedby") or "").split()
        if tag == "fieldset":
            self._fieldsets.append(a.get("id"))
        if tag == "legend" and self._fieldsets and self._fieldsets[-1]:
            self._legend = self._fieldsets[-1]
            self.legends[self._legend] = ""

    def handle_endtag(self, tag):
        if tag == "div" and self._in_summary:
            self._in_summary -= 1
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        if tag == "legend":
            self._legend = None

    def handle_data(self, data):
        if self._legend:
            self.legends[self._legend] += data


def assert_choice_groups_are_wired(html: str, groups: dict[str, str]) -> None:
    """Every summary link, label and description points at an element of the page; each of
    ``groups`` (id → the start of its legend) is a fieldset with that legend."""
    page = _Page(html)
    assert "" not in page.label_fors, "a label for nothing"
    assert [t for t in page.summary_targets if t not in page.ids] == []
    assert [d for d in page.described_by if d not in page.ids] == []
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert duplicates == set()
    for group_id, legend in groups.items():
        assert page.legends.get(group_id, "").strip().startswith(legend), (group_id, page.legends)


class _ChoicesForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision", choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect
    )
    kinds = forms.MultipleChoiceField(
        label="Kinds",
        choices=[("a", "A"), ("b", "B")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for all.",
    )
    note = forms.CharField(label="Note", help_text="A word.")


def test_the_common_field_partial_makes_a_choice_group_a_fieldset_the_summary_links_to():
    form = _ChoicesForm(data={})
    assert not form.is_valid()
    html = render_to_string("partials/_form_errors.html", {"form": form}) + "".join(
        render_to_string("partials/_field.html", {"field": form[name]})
        for name in ("decision", "kinds", "note")
    )
    assert_choice_groups_are_wired(html, {"id_decision": "Decision", "id_kinds": "Kinds"})
    assert re.search(r'href="#id_decision"', html) and re.search(r'href="#id_kinds"', html)
    # The error sits inside its group, next to the choices.
    group = html[html.index('id="id_decision"') : html.index("</fieldset>")]
    assert 'class="error-message" id="id_decision-error"' in group


def test_an_empty_amendment_request_links_its_error_to_what_should_change(
    client, contractor, contract
):
    login(client, contractor)
    url = reverse("awards:request_amendment", args=[contract.pk])
    response = client.post(url, {"reason": ""})  # as a browser sends it: never empty
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_kind"' in body
    assert_choice_groups_are_wired(body, {"id_kind": "What should change"})


def test_an_empty_screening_decision_links_its_error_to_the_decision(
    client, kind_staff, planning_track
):
    application = SubmittedApplicationFactory(track=planning_track)
    login(client, kind_staff)
    response = client.post(
        reverse("staff_applications:screen", args=[application.pk]), {"reason": ""}
    )
    body = response.content.decode()
    assert 'href="#id_decision"' in body
    assert_choice_groups_are_wired(body, {"id_decision": "Decision"})
    assert Application.objects.get(pk=application.pk).status == "submitted"


def test_an_empty_clarification_request_links_its_error_to_the_sections(
    client, kind_staff, planning_track
):
    application = SubmittedApplicationFactory(track=planning_track)
    login(client, kind_staff)
    response = client.post(
        reverse("applications:request_clarification", args=[application.pk]), {"message": ""}
    )
    body = response.content.decode()
    assert 'href="#id_sections"' in body
    assert_choice_groups_are_wired(body, {})
    assert 'id="id_sections"' in body


def test_the_question_form_describes_its_track_kinds_by_their_own_help(
    client, kind_staff, planning_track
):
    login(client, kind_staff)
    body = client.get(
        reverse("staff_applications:questions", args=[planning_track.pk])
    ).content.decode()
    assert_choice_groups_are_wired(body, {"id_track_kinds": "Only on tracks of these kinds"})
