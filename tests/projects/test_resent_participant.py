"""The events page's participant form sent twice (Back and "send again", a retry after a lost
answer): one participant (``add_event_participant``)."""

import pytest
from django.urls import reverse

from core.domain import DomainError
from projects import services
from projects.models import EventParticipant
from tests.factories import EventFactory, OrganizationFactory
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db


def test_a_resent_participant_form_adds_the_participant_once(client, programme_admin):
    event = EventFactory()
    url = reverse("staff_events:event", args=[event.pk])
    client.force_login(programme_admin)
    page = client.get(url).content.decode()
    sent = form_data(page, having="role", match={"action": "participant"})
    sent.update(name="Dr. Ana Torres", role="Speaker, World Bank")
    assert client.post(url, sent).status_code == 302
    response = client.post(url, sent)  # the browser sends the same form again
    assert EventParticipant.objects.filter(event=event).count() == 1
    assert response.status_code == 400
    assert "Dr. Ana Torres is already a participant of this event." in response.content.decode()


def test_the_same_name_whatever_its_case_is_one_participant(programme_admin):
    event = EventFactory()
    services.add_event_participant(event=event, actor=programme_admin, name="Dr. Ana Torres")
    with pytest.raises(DomainError, match="already a participant") as refused:
        services.add_event_participant(event=event, actor=programme_admin, name=" dr. ana torres ")
    assert refused.value.field == "name"
    # The same organisation twice (its name is the participant's) is refused alike.
    city = OrganizationFactory(name="Ulaanbaatar City")
    services.add_event_participant(event=event, actor=programme_admin, organization=city)
    with pytest.raises(DomainError, match="already a participant"):
        services.add_event_participant(event=event, actor=programme_admin, organization=city)
    # Another event may list the same person.
    services.add_event_participant(
        event=EventFactory(), actor=programme_admin, name="Dr. Ana Torres"
    )
    assert EventParticipant.objects.filter(name__iexact="dr. ana torres").count() == 2
