"""factory_boy factories for every model; import them from here."""

from .accounts import (  # noqa: F401
    MembershipFactory,
    OrganizationFactory,
    ReviewerProfileFactory,
    UserFactory,
)
from .applications import (  # noqa: F401
    ApplicationFactory,
    ConsortiumMemberFactory,
    DocumentFactory,
    QuestionFactory,
    SubmittedApplicationFactory,
)
from .projects import (  # noqa: F401
    CallFactory,
    CityFactory,
    CountryFactory,
    DeliverableFactory,
    EventFactory,
    ProjectFactory,
    TrackFactory,
)
from .reviews import (  # noqa: F401
    AssignmentFactory,
    AwardFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    InterestDeclarationFactory,
    ScoreFactory,
)
